//! The executor's reach beyond the indexes: the documents a fact was read
//! in (the document qualifiers) and the text and kind filters.

use super::super::plan::{DocField, Operand, PPattern, QualSel, TextTest};
use super::values::date_within;
use super::{Binding, Exec, Flow, Undo, V, bind};
use crate::error::{Error, Result};
use crate::model::{Document, FactId, normalize_name};
use crate::storage::ObjKey;

impl Exec<'_> {
    /// The document qualifiers: one row for each document the fact was
    /// read in that agrees with the constant ones, its fields bound.
    pub(super) fn each_document(
        &mut self,
        pat: &PPattern,
        fact: FactId,
        b: &mut Binding,
        k: &mut dyn FnMut(&mut Self, &mut Binding) -> Result<Flow>,
    ) -> Result<Flow> {
        let mut ids: Vec<u64> = self.fact(fact)?.sources.iter().map(|s| s.doc).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let doc = self.document(id)?;
            let field = |f: DocField| -> Option<String> {
                match f {
                    DocField::Id => Some(format!("doc #{id}")),
                    DocField::Title => Some(doc.title.clone()),
                    DocField::Origin => Some(doc.origin.clone()),
                    DocField::Published => doc.published.clone(),
                    DocField::Byline => doc.byline.clone(),
                }
            };
            let agrees = pat.quals.iter().all(|q| match q {
                QualSel::DocEquals(f, want) => field(*f).is_some_and(|have| {
                    have.eq_ignore_ascii_case(want)
                        || normalize_name(&have) == normalize_name(want)
                        || date_within(&have, want)
                }),
                _ => true,
            });
            if !agrees {
                continue;
            }
            let mut undo = Undo::default();
            let mut ok = true;
            for q in &pat.quals {
                if let QualSel::Doc(f, slot) = q {
                    let v = field(*f).map_or(V::Null, V::Text);
                    if !bind(b, &mut undo, *slot, v) {
                        ok = false;
                        break;
                    }
                }
            }
            let flow = if ok { k(self, b)? } else { Flow::Continue(()) };
            undo.restore(b);
            if flow.is_break() {
                return Ok(flow);
            }
        }
        Ok(Flow::Continue(()))
    }

    fn document(&mut self, id: u64) -> Result<Document> {
        if let Some(d) = self.docs.get(&id) {
            return Ok(d.clone());
        }
        let d = self.st.document(id)?.ok_or_else(|| Error::Corrupt {
            path: self.st.path().to_path_buf(),
            detail: format!("a fact names document {id} as its source, which is missing"),
        })?;
        if self.docs.len() < 4096 {
            self.docs.insert(id, d.clone());
        }
        Ok(d)
    }

    /// `~`, `=~` and `is` on the value of `o`: an entity by its kind or
    /// by any of its names, anything else by its text. An unbound value
    /// passes none.
    pub(super) fn text_test(&mut self, test: &TextTest, o: &Operand, b: &Binding) -> Result<bool> {
        let Operand::Var(slot) = o else {
            return Ok(false);
        };
        let v = b.get(*slot).cloned().flatten().unwrap_or(V::Null);
        let names: Vec<String> = match &v {
            V::Null => return Ok(false),
            V::Obj(ObjKey::Entity(id)) => {
                let Some(e) = self.st.entity(*id)? else {
                    return Ok(false);
                };
                if let TextTest::Kind(k) = test {
                    return Ok(e.kind == *k);
                }
                std::iter::once(e.name).chain(e.aliases).collect()
            }
            _ if matches!(test, TextTest::Kind(_)) => return Ok(false),
            other => vec![self.value(other)?.to_string()],
        };
        Ok(names.iter().any(|n| match test {
            TextTest::Contains(t) => n.to_lowercase().contains(t.as_str()),
            TextTest::Matches(r) => r.is_match(n),
            TextTest::Kind(_) => false,
        }))
    }
}
