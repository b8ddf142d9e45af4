//! Arbitrary bytes as text for the language pipeline: tokenizing, splitting,
//! tagging, parsing, lemmas and entities must never panic, and what they
//! return must point into the text (offsets on character boundaries, heads
//! inside the sentence, entity spans over its words).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(pipeline) = lore::nlp::Pipeline::get() else {
        panic!("the compiled-in models do not load");
    };
    let analysis = pipeline.analyze(&text);
    let mut last = 0;
    for s in &analysis.sentences {
        assert!(s.start >= last && s.start <= s.end && s.end <= text.len());
        last = s.end;
        for w in &s.words {
            assert!(w.start < w.end && w.end <= text.len());
            assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end));
            assert!(w.head <= s.words.len());
        }
        for e in &s.entities {
            assert!(e.start < e.end && e.end <= s.words.len());
        }
    }
});
