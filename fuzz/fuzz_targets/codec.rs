//! Arbitrary bytes through every decoder of stored values: damaged values
//! are errors, never panics or huge allocations; what decodes re-encodes
//! to a value that decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lore::storage::codec::{self, IndexKind};
use lore::storage::StoredFact;

fuzz_target!(|data: &[u8]| {
    let key = codec::chunk_key(&codec::u64_key(1), 0);
    for kind in [IndexKind::Spo, IndexKind::Pos, IndexKind::Osp] {
        let _ = codec::decode_chunk(kind, &key, data, |_| {});
        let _ = codec::decode_chunk(kind, data, data, |_| {});
    }
    let mut pos = 0;
    while pos < data.len() && codec::get_varint(data, &mut pos).is_ok() {}
    let _ = codec::ObjKey::from_bytes(data);
    if let Ok(e) = codec::decode::<lore::Entity>(data) {
        let again = codec::encode(&e).expect("encodes");
        assert_eq!(codec::decode::<lore::Entity>(&again).expect("decodes"), e);
    }
    let _ = codec::decode::<lore::Document>(data);
    if let Ok(facts) = codec::decode::<Vec<StoredFact>>(data) {
        let block = codec::encode_block(&facts).expect("encodes");
        let back: Vec<StoredFact> = codec::decode_block(&block).expect("decodes");
        assert_eq!(back.len(), facts.len());
    }
    let _ = codec::decode_block::<Vec<StoredFact>>(data);
    let _ = codec::decode::<Vec<u64>>(data);
    if let Ok((prefix, fact)) = codec::read_ident_key(data) {
        // A key that decodes is the one canonical key of its fact.
        let identity = u64::from(u32::from_be_bytes(prefix)) << 32;
        assert_eq!(codec::ident_key(identity, fact), data);
    }
});
