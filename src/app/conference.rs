//! The open conference: loading, refresh and merge, labels, navigation.

use std::collections::HashSet;

use super::find;
use super::keymap::Action;
use super::loading::{self, poll};
use super::model::{
    ConferenceView, Ended, LABEL_CONCURRENCY, LABEL_RETRY, Label, Logged, Model, Row, Screen,
};
use super::msg::Effect;
use crate::telnyx::{ApiError, Conference, ConferenceId, ConferenceStatus, Listing, Participant};

/// Opens a conference: its details and its participants load in the background.
pub(crate) fn open(model: &mut Model, id: ConferenceId, known: Option<Conference>) -> Vec<Effect> {
    let mut view = ConferenceView::new(id);
    if let Some(c) = &known {
        view.ended = ended_from(c);
    }
    view.conference = known;
    let seq = model.next_seq();
    view.conference_seq = Some(seq);
    model.conf = Some(view);
    model.screen = Screen::Table;
    model.overlay = None;
    let mut effects = vec![Effect::LoadConference {
        seq,
        conference_id: id,
    }];
    effects.extend(poll(model));
    effects
}

fn ended_from(c: &Conference) -> Option<Ended> {
    (c.status == Some(ConferenceStatus::Completed)).then(|| Ended {
        reason: c.end_reason.clone(),
        at: c.updated_at.as_deref().and_then(super::model::parse_time),
    })
}

pub(crate) fn conference_loaded(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    result: Result<Conference, ApiError>,
) -> Vec<Effect> {
    let Some(conf) = model.conf_mut(conference_id) else {
        return Vec::new();
    };
    if conf.conference_seq != Some(seq) {
        return Vec::new();
    }
    conf.conference_seq = None;
    match result {
        Ok(c) => {
            let newly = conf.ended.is_none();
            if let Some(ended) = ended_from(&c) {
                let why = ended.why();
                conf.ended = Some(ended);
                if newly {
                    let text = match why {
                        Some(why) => format!("the conference ended: {why}"),
                        None => "the conference ended".to_string(),
                    };
                    model.record(Logged::Event(text));
                }
            }
            if let Some(conf) = model.conf.as_mut() {
                conf.conference = Some(c);
            }
        }
        // The participant list reports reachability and authentication;
        // a missing name is only a missing name (asked again next poll).
        Err(e) => tracing::warn!(error = %e, "cannot load the conference"),
    }
    Vec::new()
}

pub(crate) fn participants_loaded(
    model: &mut Model,
    seq: u64,
    conference_id: &ConferenceId,
    result: Result<Listing<Participant>, ApiError>,
) -> Vec<Effect> {
    let now = model.now;
    let refresh = model.ctx.refresh;
    let rate = model.rate;
    let Some(conf) = model.conf_mut(conference_id) else {
        return Vec::new();
    };
    if !conf.load.answered(seq) {
        return Vec::new();
    }
    match result {
        Ok(listing) => {
            conf.rejected = listing.rejected.len();
            conf.warning = listing.warnings.into_iter().next();
            let cost = conf.load.cost(now);
            let items = listing.items.len();
            let merged = merge(conf, listing.items, seq, now);
            conf.loaded = true;
            conf.interval = if conf.ended.is_some() {
                // an ended conference changes no more: the table was read
                // once after the end was known, now a look once a minute
                loading::MAX_INTERVAL
            } else {
                loading::interval(refresh, cost, items, rate)
            };
            conf.load.succeeded(now, Some(now + conf.interval));
            if merged.reordered || merged.changed {
                find::recompute(model, find::Cause::Data);
            }
            let seen = merged.events;
            for (id, what) in seen {
                let label = model.label_by_id(&id);
                model.record(Logged::Event(format!("{label} {what}")));
            }
        }
        Err(e) => conf.load.failed(e, now),
    }
    want_labels(model)
}

/// What a refresh changed.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    /// Who joined (a row not seen before) and who left (a row whose status
    /// became `left`), by id, once the list has loaded before.
    pub events: Vec<(String, &'static str)>,
    /// Some row's values changed.
    pub changed: bool,
    /// Rows came, went or moved: the shown list must be rebuilt.
    pub reordered: bool,
}

/// Replaces the rows with a fresh listing (server order), keeping rows whose
/// values come from a write answered after this listing was asked for, and
/// marking rows that changed.
///
/// A row the listing misses is kept for one more refresh: offset paging
/// skips an item whenever an earlier one leaves between two page requests,
/// and a participant must not blink out (and back in, marked new) for that.
/// A row missed twice goes, unless it is the selected one: that one stays,
/// marked gone, until the operator moves, so the cursor never lands on
/// someone else by itself.
///
/// A refresh that brings the same participants in the same order costs no
/// allocation beyond the listing itself: rows are found through the index,
/// and the index is rebuilt only when rows came, went or moved.
pub(crate) fn merge(
    conf: &mut ConferenceView,
    items: Vec<Participant>,
    seq: u64,
    now: time::OffsetDateTime,
) -> Merged {
    let mut merged = Merged::default();
    let mut marked = false;
    // the same participants in the same order, as almost every refresh
    // brings: each row is refreshed where it is, nothing moves
    if items.len() == conf.rows.len()
        && (conf.rows.iter().zip(&items)).all(|(r, p)| r.p.id == p.id && !r.missed && !r.gone)
    {
        for (row, p) in conf.rows.iter_mut().zip(items) {
            refresh_row(row, p, seq, now, &mut merged, &mut marked);
        }
        if marked {
            conf.marked_changes(now);
        }
        return merged;
    }
    // the rows of the last listing, taken one by one as this one finds them
    // (no copy of them is made: `taken` says which are gone)
    let mut previous = std::mem::take(&mut conf.rows);
    let mut taken = vec![false; previous.len()];
    // ids new to this listing, to drop an id listed twice (the client
    // already drops those across pages)
    let mut fresh: HashSet<String> = HashSet::new();
    let mark_new = conf.loaded;
    let mut rows = Vec::with_capacity(items.len().max(previous.len()));
    for mut p in items {
        lean(&mut p);
        let old = conf.index.get(p.id.as_str()).copied();
        match old {
            Some(i) => {
                if taken.get(i) != Some(&false) {
                    continue; // listed twice
                }
                taken[i] = true;
                let mut row = std::mem::take(&mut previous[i]);
                if i != rows.len() || row.missed || row.gone {
                    merged.reordered = true;
                }
                refresh_row(&mut row, p, seq, now, &mut merged, &mut marked);
                rows.push(row);
            }
            None => {
                if !fresh.insert(p.id.clone()) {
                    continue;
                }
                merged.reordered = true;
                if mark_new && p.status != crate::telnyx::ParticipantStatus::Left {
                    merged.events.push((p.id.clone(), "joined"));
                }
                marked |= mark_new;
                rows.push(Row::new(p, seq, mark_new.then_some(now)))
            }
        }
    }
    // rows this listing missed stay, near where they were: for one more
    // refresh, or while they are selected
    for (i, mut row) in previous.into_iter().enumerate() {
        if taken[i] {
            continue;
        }
        merged.reordered = true;
        let selected = conf.selected_id.as_deref() == Some(row.p.id.as_str());
        if !row.missed {
            row.missed = true;
        } else if selected {
            row.gone = true;
        } else {
            continue;
        }
        rows.insert(i.min(rows.len()), row);
    }
    conf.rows = rows;
    if merged.reordered {
        conf.index = find::index_of(&conf.rows);
    }
    if marked {
        conf.marked_changes(now);
    }
    merged
}

/// Drops what a row never shows or sends (the record type, the call leg,
/// the conference it is in, whisper lists, `updated_at`): at 50,000
/// participants that is about half of what the rows would hold. The
/// console's listings are decoded so already ([`LeanParticipant`]); a merge
/// applies it to whatever else it is given.
///
/// [`LeanParticipant`]: crate::telnyx::LeanParticipant
pub(crate) fn lean(p: &mut Participant) {
    p.record_type = String::new();
    p.call_leg_id = String::new();
    p.conference = Default::default();
    p.whisper_call_control_ids = Vec::new();
    p.updated_at = String::new();
}

/// A row listed again: its values from the listing, unless a write answered
/// after the listing was asked for set them (`row.seq`).
fn refresh_row(
    row: &mut Row,
    mut p: Participant,
    seq: u64,
    now: time::OffsetDateTime,
    merged: &mut Merged,
    marked: &mut bool,
) {
    row.missed = false;
    row.gone = false;
    if row.seq > seq {
        return;
    }
    if !row.is_left() && p.status == crate::telnyx::ParticipantStatus::Left {
        merged.events.push((std::mem::take(&mut p.id), "left"));
    }
    if differs(&row.p, &p) {
        row.changed_at = Some(now);
        *marked = true;
        merged.changed = true;
    }
    if row.p.created_at != p.created_at {
        row.joined_at = super::model::parse_time(&p.created_at);
        merged.changed = true;
    }
    refresh_values(&mut row.p, p);
    row.seq = seq;
}

/// A row's values from a fresh listing of the same participant. The row's
/// own strings are kept where the listing says the same (as it almost
/// always does): the listing's are then freed with it, all together, so a
/// refresh leaves no holes between the rows it keeps.
fn refresh_values(row: &mut Participant, mut p: Participant) {
    row.end_conference_on_exit = p.end_conference_on_exit;
    row.soft_end_conference_on_exit = p.soft_end_conference_on_exit;
    row.muted = p.muted;
    row.on_hold = p.on_hold;
    if row.status != p.status {
        row.status = p.status;
    }
    for (mine, theirs) in [
        (&mut row.call_control_id, &mut p.call_control_id),
        (&mut row.created_at, &mut p.created_at),
    ] {
        if mine != theirs {
            *mine = std::mem::take(theirs);
        }
    }
}

fn differs(a: &Participant, b: &Participant) -> bool {
    a.status != b.status
        || a.muted != b.muted
        || a.on_hold != b.on_hold
        || a.end_conference_on_exit != b.end_conference_on_exit
        || a.soft_end_conference_on_exit != b.soft_end_conference_on_exit
}

/// After the selection or the window moved: keep the cursor in view and ask
/// for the labels of the rows on screen that have none yet.
pub(crate) fn after_move(model: &mut Model) -> Vec<Effect> {
    let rows = model.table_rows();
    if let Some(conf) = model.conf.as_mut() {
        conf.offset = super::layout::scroll(conf.offset, conf.cursor, rows, conf.shown.len());
    }
    want_labels(model)
}

/// Asks for labels that are missing, as many as the lookups in flight
/// allow: the rows on screen first; then, while a search is on (labels are
/// what people search by, and the list carries none), every other row.
fn want_labels(model: &mut Model) -> Vec<Effect> {
    let Some(conf) = model.conf.as_ref() else {
        return Vec::new();
    };
    if model.screen != Screen::Table || model.too_small() {
        return Vec::new();
    }
    let budget = LABEL_CONCURRENCY.saturating_sub(model.labels_in_flight);
    if budget == 0 {
        return Vec::new();
    }
    let now = model.now;
    let missing = |r: &&Row| match model.labels.get(&r.p.id) {
        None => true,
        Some(Label::RetryAt(at)) => *at <= now,
        Some(_) => false,
    };
    let on_screen = conf.shown[conf.window(model.table_rows())]
        .iter()
        .map(|&i| &conf.rows[i]);
    let searching = !conf.find.needle().is_empty();
    let rest = conf.rows.iter().filter(|_| searching);
    let mut wanted: Vec<String> = Vec::with_capacity(budget);
    for r in on_screen.chain(rest).filter(|r| !r.gone).filter(missing) {
        if wanted.len() == budget {
            break;
        }
        if !wanted.contains(&r.p.id) {
            wanted.push(r.p.id.clone());
        }
    }
    let conference_id = conf.id;
    model.labels_in_flight += wanted.len();
    wanted
        .into_iter()
        .map(|id| {
            model.labels.insert(id.clone(), Label::Pending);
            Effect::LoadLabel {
                conference_id,
                participant_id: id,
            }
        })
        .collect()
}

pub(crate) fn label_loaded(
    model: &mut Model,
    participant_id: &str,
    result: Result<Option<String>, ApiError>,
) -> Vec<Effect> {
    model.labels_in_flight = model.labels_in_flight.saturating_sub(1);
    let label = match result {
        Ok(Some(label)) if !label.is_empty() => Label::Known(label),
        Ok(_) => Label::None,
        Err(e) if e.is_transient() => Label::RetryAt(model.now + LABEL_RETRY),
        Err(_) => Label::Failed,
    };
    let known = |l: Option<&Label>| matches!(l, Some(Label::Known(_) | Label::None));
    let newly_known = known(Some(&label)) && !known(model.labels.get(participant_id));
    let Some(conf) = model.conf.as_mut() else {
        model.labels.insert(participant_id.to_string(), label);
        return Vec::new();
    };
    let needle = conf.find.needle();
    // a label can only take a row into a search (the id and call_control_id
    // it matched by stay), and an order by label may move it: only then is
    // the view rebuilt, not at each of the thousands of answers a search of
    // a large conference asks for
    let enters =
        matches!(&label, Label::Known(l) if !needle.is_empty() && find::contains(l, &needle));
    if !needle.is_empty() && newly_known && conf.index.contains_key(participant_id) {
        conf.labels_known += 1;
    }
    let rebuild = enters || conf.find.sort == super::model::Sort::Label;
    model.labels.insert(participant_id.to_string(), label);
    if rebuild {
        find::recompute(model, find::Cause::Data);
    }
    // the next rows that still need one
    want_labels(model)
}

// ---- moving -----------------------------------------------------------------

/// Moves the selection for a movement action; `None` for any other action.
pub(crate) fn navigate(model: &mut Model, action: Action) -> Option<Vec<Effect>> {
    let page = model.table_rows().max(1);
    let conf = model.conf.as_ref()?;
    let last = conf.shown.len().saturating_sub(1);
    let cursor = match action {
        Action::Down => (conf.cursor + 1).min(last),
        Action::Up => conf.cursor.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageDown => (conf.cursor + page).min(last),
        Action::PageUp => conf.cursor.saturating_sub(page),
        _ => return None,
    };
    Some(select(model, cursor))
}

/// Selects the row at `at` in `shown`: the operator moved, so a row kept
/// only because it was selected goes now.
pub(crate) fn select(model: &mut Model, at: usize) -> Vec<Effect> {
    let Some(conf) = model.conf.as_mut() else {
        return Vec::new();
    };
    let previous = conf.selected_id.clone();
    conf.cursor = at.min(conf.shown.len().saturating_sub(1));
    conf.selected_id = conf.selected().map(|r| r.p.id.clone());
    find::moved_from(model, previous);
    after_move(model)
}

/// `r`: refresh now, and forget a failure's countdown.
pub(crate) fn refresh(model: &mut Model) -> Vec<Effect> {
    if let Some(conf) = model.conf.as_mut() {
        conf.load.failure = None;
    }
    poll(model)
}
