//! Marks: the participants chosen for a change to many. They follow each
//! participant by id across refreshes; one who leaves is unmarked, and the
//! operator is told.

use super::find::{Cause, recompute};
use super::model::{Level, Model, Quick};

/// Space: marks or unmarks the selected participant (present ones only).
pub(crate) fn toggle(model: &mut Model) {
    let Some(row) = model.conf.as_ref().and_then(|c| c.selected()) else {
        return;
    };
    let id = row.p.id.clone();
    if !row.is_present() {
        let label = model.label_of(&row.p);
        model.toast(Level::Info, format!("{label} has left: cannot be marked"));
        return;
    }
    let Some(conf) = model.conf.as_mut() else {
        return;
    };
    if !conf.marks.remove(&id) {
        conf.marks.insert(id);
    }
    if conf.find.quick == Quick::Marked {
        recompute(model, Cause::Data);
    }
}

/// `a`: marks everyone shown who is present.
pub(crate) fn mark_all(model: &mut Model) {
    let Some(conf) = model.conf.as_mut() else {
        return;
    };
    let ids: Vec<String> = conf
        .shown
        .iter()
        .map(|&i| &conf.rows[i])
        .filter(|r| r.is_present())
        .map(|r| r.p.id.clone())
        .collect();
    let n = ids.len();
    conf.marks.extend(ids);
    let total = conf.marks.len();
    model.toast(
        Level::Info,
        format!("marked {n} shown ({total} marked in all)"),
    );
}

/// `A` (or Esc with marks): clears every mark; `false` when there was none.
pub(crate) fn clear(model: &mut Model) -> bool {
    let Some(conf) = model.conf.as_mut() else {
        return false;
    };
    if conf.marks.is_empty() {
        return false;
    }
    conf.marks.clear();
    if conf.find.quick == Quick::Marked {
        recompute(model, Cause::Data);
    }
    true
}

/// After a listing: marked participants who left (or are no longer listed)
/// are unmarked, with a notice naming them.
pub(crate) fn after_listing(model: &mut Model) {
    let Some(conf) = model.conf.as_ref() else {
        return;
    };
    let mut left: Vec<String> = conf
        .marks
        .iter()
        .filter(|id| conf.row(id).is_none_or(|r| !r.is_present()))
        .cloned()
        .collect();
    if left.is_empty() {
        return;
    }
    left.sort();
    let names: Vec<String> = left.iter().map(|id| model.label_by_id(id)).collect();
    if let Some(conf) = model.conf.as_mut() {
        for id in &left {
            conf.marks.remove(id);
        }
    }
    let text = match names.as_slice() {
        [one] => format!("{one} left: unmarked"),
        many => format!(
            "{} marked participants left: unmarked ({}{})",
            many.len(),
            many.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if many.len() > 3 { ", …" } else { "" }
        ),
    };
    model.toast(Level::Info, text);
    recompute(model, Cause::Data);
}
