//! The model file format: a zstd frame holding a magic word, a format
//! version, a kind name, then little-endian fields written by each model.
//!
//! A format of its own rather than bincode because the bulk of a model is
//! a few large `u32`/`i16` arrays: written raw they decode at memory speed,
//! which keeps loading every model under the 100 ms the pipeline allows.
//!
//! Architecture invariant: reading never panics and never allocates more
//! than the bytes it was given can hold; every failure is a message.

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

/// Reads a model file.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

/// Decompresses a model file, refusing more than `limit` bytes of output.
pub fn decompress(file: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    zstd::bulk::decompress(file, limit).map_err(|e| format!("not a zstd-compressed model: {e}"))
}

impl<'a> Reader<'a> {
    /// A reader over uncompressed bytes (no header check).
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, at: 0 }
    }

    /// A reader over a decompressed model, after checking that its header
    /// says `kind` in this format version.
    pub fn open(buf: &'a [u8], kind: &str) -> Result<Reader<'a>, String> {
        let mut r = Reader::new(buf);
        if r.take(MAGIC.len())? != MAGIC {
            return Err("not a lore model file".into());
        }
        let v = r.u32()?;
        if v != MODEL_FORMAT {
            return Err(format!(
                "model format {v}, but this lore reads format {MODEL_FORMAT}; retrain with lore-train"
            ));
        }
        let k = r.str()?;
        if k != kind {
            return Err(format!("a {k} model where a {kind} model was expected"));
        }
        Ok(r)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(e) => {
                let s = &self.buf[self.at..e];
                self.at = e;
                Ok(s)
            }
            None => Err(format!("model file truncated at byte {}", self.at)),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
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
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| "model file holds a string that is not UTF-8".to_string())
    }

    /// A list of strings.
    pub fn strs(&mut self) -> Result<Vec<String>, String> {
        let n = self.u32()? as usize;
        // Each string takes at least its 4-byte length.
        if n > (self.buf.len() - self.at) / 4 {
            return Err("model file truncated in a string list".into());
        }
        (0..n).map(|_| self.str()).collect()
    }

    /// Raw bytes.
    pub fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    /// An array of `u32`.
    pub fn u32s(&mut self) -> Result<Vec<u32>, String> {
        let n = self.u32()? as usize;
        let b = self.take(n.checked_mul(4).ok_or("array too long")?)?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// An array of `u64`.
    pub fn u64s(&mut self) -> Result<Vec<u64>, String> {
        let n = self.u32()? as usize;
        let b = self.take(n.checked_mul(8).ok_or("array too long")?)?;
        Ok(b.chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    /// An array of `i16`.
    pub fn i16s(&mut self) -> Result<Vec<i16>, String> {
        let n = self.u32()? as usize;
        let b = self.take(n.checked_mul(2).ok_or("array too long")?)?;
        Ok(b.chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect())
    }

    /// True when every byte has been read.
    pub fn at_end(&self) -> bool {
        self.at == self.buf.len()
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
}
