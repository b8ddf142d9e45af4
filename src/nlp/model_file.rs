//! The model file format: a zstd frame holding a magic word, a format
//! version, a kind name, then little-endian fields written by each model.
//!
//! A format of its own rather than bincode because the bulk of a model is
//! a few large `u32`/`i16` arrays: written raw they decode at memory speed,
//! which keeps loading every model under the 100 ms the pipeline allows.
//!
//! Architecture invariant: reading never panics and never allocates more
//! than the bytes it was given can hold (for a compressed file: than the
//! decompressed size it declares, itself capped by the caller's limit);
//! every failure is a message.

use std::io::Read;

/// First bytes of every decompressed model.
const MAGIC: &[u8; 8] = b"loremdl\x01";
/// Bump on any change of a model's layout; old files are then refused.
pub const MODEL_FORMAT: u32 = 1;

/// Builds a model file.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// A writer whose file says it holds a model of `kind`.
    pub fn new(kind: &str) -> Writer {
        let mut w = Writer::default();
        w.buf.extend_from_slice(MAGIC);
        w.u32(MODEL_FORMAT);
        w.str(kind);
        w
    }

    /// A `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// An `f32`.
    pub fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A string, length first.
    pub fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// A list of strings.
    pub fn strs<S: AsRef<str>>(&mut self, v: &[S]) {
        self.u32(v.len() as u32);
        for s in v {
            self.str(s.as_ref());
        }
    }

    /// Raw bytes, length first.
    pub fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.buf.extend_from_slice(v);
    }

    /// An array of `u32`.
    pub fn u32s(&mut self, v: &[u32]) {
        self.u32(v.len() as u32);
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// An array of `u64`.
    pub fn u64s(&mut self, v: &[u64]) {
        self.u32(v.len() as u32);
        self.buf.reserve(v.len() * 8);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// An array of `i16`.
    pub fn i16s(&mut self, v: &[i16]) {
        self.u32(v.len() as u32);
        self.buf.reserve(v.len() * 2);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// The uncompressed bytes.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }

    /// The file: the bytes zstd-compressed at a high level (models are
    /// written once and read at every start).
    pub fn compressed(self) -> std::io::Result<Vec<u8>> {
        zstd::bulk::compress(&self.buf, 19)
    }
}

/// Reads a model file, from its compressed bytes or from decompressed
/// ones.
///
/// Compressed files are decoded as a stream straight into the arrays the
/// models keep: a whole decompressed copy first would double the memory
/// touched while loading, which was a third of the load time.
pub struct Reader<'a> {
    src: Box<dyn Read + 'a>,
    /// Decompressed bytes not yet read, as the file declares them; no
    /// array longer than this is allocated.
    left: u64,
    at: u64,
}

impl std::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("at", &self.at)
            .field("left", &self.left)
            .finish()
    }
}

/// Decompresses a model file, refusing more than `limit` bytes of output.
pub fn decompress(file: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    zstd::bulk::decompress(file, limit).map_err(|e| format!("not a zstd-compressed model: {e}"))
}

/// Bytes converted at a time by the array readers: small enough to stay
/// in cache between the decoder writing them and the array taking them.
const CHUNK: usize = 64 * 1024;

impl<'a> Reader<'a> {
    /// A reader over uncompressed bytes (no header check).
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader {
            src: Box::new(buf),
            left: buf.len() as u64,
            at: 0,
        }
    }

    /// A reader over a decompressed model, after checking that its header
    /// says `kind` in this format version.
    pub fn open(buf: &'a [u8], kind: &str) -> Result<Reader<'a>, String> {
        Reader::new(buf).header(kind)
    }

    /// A reader over a compressed model file (as [`Writer::compressed`]
    /// makes it) whose decompressed size is at most `limit`, after checking
    /// its header says `kind` in this format version.
    pub fn open_compressed(file: &'a [u8], kind: &str, limit: usize) -> Result<Reader<'a>, String> {
        let size = match zstd::zstd_safe::get_frame_content_size(file) {
            Ok(Some(n)) => n,
            Ok(None) => {
                return Err(
                    "the model file does not state its size; rewrite it with lore-train".into(),
                );
            }
            Err(_) => return Err("not a zstd-compressed model".into()),
        };
        if size > limit as u64 {
            return Err(format!(
                "the model file would decompress to {size} bytes, more than the {limit} allowed"
            ));
        }
        let src = zstd::stream::read::Decoder::with_buffer(file)
            .map_err(|e| format!("not a zstd-compressed model: {e}"))?;
        Reader {
            src: Box::new(src),
            left: size,
            at: 0,
        }
        .header(kind)
    }

    fn header(mut self, kind: &str) -> Result<Reader<'a>, String> {
        let mut magic = [0u8; MAGIC.len()];
        self.fill(&mut magic)?;
        if &magic != MAGIC {
            return Err("not a lore model file".into());
        }
        let v = self.u32()?;
        if v != MODEL_FORMAT {
            return Err(format!(
                "model format {v}, but this lore reads format {MODEL_FORMAT}; retrain with lore-train"
            ));
        }
        let k = self.str()?;
        if k != kind {
            return Err(format!("a {k} model where a {kind} model was expected"));
        }
        Ok(self)
    }

    /// Checks that `n` more bytes are there, before anything is allocated
    /// for them.
    fn need(&self, n: usize) -> Result<(), String> {
        if n as u64 > self.left {
            return Err(format!("model file truncated at byte {}", self.at));
        }
        Ok(())
    }

    fn fill(&mut self, out: &mut [u8]) -> Result<(), String> {
        self.need(out.len())?;
        self.src.read_exact(out).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                format!("model file truncated at byte {}", self.at)
            }
            _ => format!("model file damaged at byte {}: {e}", self.at),
        })?;
        self.left -= out.len() as u64;
        self.at += out.len() as u64;
        Ok(())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        self.fill(&mut a)?;
        Ok(a)
    }

    /// `n` elements of `W` bytes each, converted chunk by chunk.
    fn elements<T, const W: usize>(&mut self, conv: fn([u8; W]) -> T) -> Result<Vec<T>, String> {
        let n = self.u32()? as usize;
        self.need(n.checked_mul(W).ok_or("array too long")?)?;
        let mut out = Vec::with_capacity(n);
        let mut buf = vec![0u8; CHUNK.min(n * W)];
        let mut todo = n * W;
        while todo > 0 {
            let take = todo.min(CHUNK);
            self.fill(&mut buf[..take])?;
            out.extend(buf[..take].chunks_exact(W).map(|c| {
                let mut a = [0u8; W];
                a.copy_from_slice(c);
                conv(a)
            }));
            todo -= take;
        }
        Ok(out)
    }

    /// A `u32`.
    pub fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A `u64`.
    pub fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// An `f32`.
    pub fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    /// A string.
    pub fn str(&mut self) -> Result<String, String> {
        String::from_utf8(self.bytes()?)
            .map_err(|_| "model file holds a string that is not UTF-8".to_string())
    }

    /// A list of strings.
    pub fn strs(&mut self) -> Result<Vec<String>, String> {
        let n = self.u32()? as usize;
        // Each string takes at least its 4-byte length.
        self.need(n.saturating_mul(4))?;
        (0..n).map(|_| self.str()).collect()
    }

    /// Raw bytes, length first.
    pub fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let n = self.u32()? as usize;
        self.need(n)?;
        let mut v = vec![0u8; n];
        self.fill(&mut v)?;
        Ok(v)
    }

    /// An array of `u32`.
    pub fn u32s(&mut self) -> Result<Vec<u32>, String> {
        self.elements(u32::from_le_bytes)
    }

    /// An array of `u64`.
    pub fn u64s(&mut self) -> Result<Vec<u64>, String> {
        self.elements(u64::from_le_bytes)
    }

    /// An array of `i16`.
    pub fn i16s(&mut self) -> Result<Vec<i16>, String> {
        self.elements(i16::from_le_bytes)
    }

    /// True when every byte has been read (for a compressed file: every
    /// byte it declared, and the stream has nothing more).
    pub fn at_end(&mut self) -> bool {
        let mut one = [0u8; 1];
        self.left == 0 && matches!(self.src.read(&mut one), Ok(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let mut w = Writer::new("tagger");
        w.u32(7);
        w.strs(&["a", "bc"]);
        w.i16s(&[-3, 4]);
        w.u64s(&[u64::MAX]);
        let file = w.compressed().unwrap();
        let raw = decompress(&file, 1 << 20).unwrap();
        let mut r = Reader::open(&raw, "tagger").unwrap();
        assert_eq!(r.u32().unwrap(), 7);
        assert_eq!(r.strs().unwrap(), vec!["a", "bc"]);
        assert_eq!(r.i16s().unwrap(), vec![-3, 4]);
        assert_eq!(r.u64s().unwrap(), vec![u64::MAX]);
        assert!(r.at_end());
        assert!(
            Reader::open(&raw, "parser")
                .unwrap_err()
                .contains("tagger model")
        );
        assert!(Reader::open(&raw[..raw.len() - 3], "tagger").is_ok());
        let mut t = Reader::open(&raw[..24], "tagger").unwrap();
        assert!(t.u32().is_err() || t.strs().is_err());
        assert!(decompress(b"garbage", 100).is_err());
    }

    #[test]
    fn a_compressed_file_is_read_as_a_stream_and_damage_is_an_error() {
        let mut w = Writer::new("parser");
        w.u32s(&(0..100_000).collect::<Vec<u32>>());
        w.strs(&["x"]);
        let file = w.compressed().unwrap();
        let mut r = Reader::open_compressed(&file, "parser", 1 << 20).unwrap();
        let v = r.u32s().unwrap();
        assert_eq!((v.len(), v[99_999]), (100_000, 99_999));
        assert_eq!(r.strs().unwrap(), vec!["x"]);
        assert!(r.at_end());
        // Too large for the limit, cut short, wrong kind, not zstd at all.
        let small = Reader::open_compressed(&file, "parser", 1000).unwrap_err();
        assert!(small.contains("more than the 1000 allowed"), "{small}");
        let mut cut = Reader::open_compressed(&file[..file.len() / 2], "parser", 1 << 20).unwrap();
        assert!(cut.u32s().is_err());
        let kind = Reader::open_compressed(&file, "tagger", 1 << 20).unwrap_err();
        assert!(kind.contains("a parser model"), "{kind}");
        assert!(Reader::open_compressed(b"garbage", "parser", 1 << 20).is_err());
        // A flipped byte in the middle: an error or other numbers, never a
        // panic.
        let mut bad = file.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x55;
        if let Ok(mut r) = Reader::open_compressed(&bad, "parser", 1 << 20) {
            let _ = r.u32s();
        }
    }
}
