//! The activity log (`L`) and the inspector of one request: moving,
//! filtering (writes only, errors only), and copying a request as a curl
//! command with `$TELNYX_API_KEY` in place of the key.

use super::keymap::Action;
use super::model::{Inspect, Level, LogEntry, LogView, Model, Overlay};
use super::msg::Effect;

/// `L`: opens the log, following the newest entry.
pub(crate) fn open(model: &mut Model) {
    model.overlay = Some(Overlay::Log(LogView::default()));
}

/// The ids of the entries the pane shows, oldest first.
pub(crate) fn shown(model: &Model, view: &LogView) -> Vec<u64> {
    model
        .log
        .iter()
        .filter(|e| view.shows(e))
        .map(|e| e.id)
        .collect()
}

fn entry(model: &Model, id: u64) -> Option<&LogEntry> {
    // ids grow with the position: a binary search finds one
    let at = model.log.binary_search_by_key(&id, |e| e.id).ok()?;
    model.log.get(at)
}

/// Keys of the log pane.
pub(crate) fn action(model: &mut Model, action: Action, page: usize) -> Vec<Effect> {
    let Some(Overlay::Log(mut view)) = model.overlay.take() else {
        return Vec::new();
    };
    let ids = shown(model, &view);
    let at = view
        .selected
        .and_then(|id| ids.iter().position(|x| *x == id))
        .unwrap_or(ids.len().saturating_sub(1));
    let last = ids.len().saturating_sub(1);
    let moved = match action {
        Action::Down => Some((at + 1).min(last)),
        Action::Up => Some(at.saturating_sub(1)),
        Action::PageDown => Some((at + page).min(last)),
        Action::PageUp => Some(at.saturating_sub(page)),
        Action::Top => Some(0),
        Action::Bottom => Some(last),
        _ => None,
    };
    let mut effects = Vec::new();
    match (moved, action) {
        // the newest again: follow what arrives
        (Some(to), _) => view.selected = (to < last).then(|| ids.get(to).copied()).flatten(),
        (None, Action::Back) => return Vec::new(),
        (None, Action::WritesOnly) => {
            view.writes_only = !view.writes_only;
        }
        (None, Action::ErrorsOnly) => {
            view.errors_only = !view.errors_only;
        }
        (None, Action::Open) => {
            if let Some(&id) = ids.get(at)
                && entry(model, id).is_some_and(|e| e.request().is_some())
            {
                model.overlay = Some(Overlay::Inspect(Inspect {
                    entry: id,
                    scroll: 0,
                    from: view,
                }));
                return Vec::new();
            }
        }
        (None, Action::CopyCurl) => {
            if let Some(&id) = ids.get(at) {
                effects = copy_curl(model, id);
            }
        }
        _ => {}
    }
    model.overlay = Some(Overlay::Log(view));
    effects
}

/// Keys of the inspector.
pub(crate) fn inspect_action(model: &mut Model, action: Action, page: usize) -> Vec<Effect> {
    let Some(Overlay::Inspect(mut inspect)) = model.overlay.take() else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    match action {
        Action::Back => {
            model.overlay = Some(Overlay::Log(inspect.from));
            return Vec::new();
        }
        Action::Down => inspect.scroll += 1,
        Action::Up => inspect.scroll = inspect.scroll.saturating_sub(1),
        Action::PageDown => inspect.scroll += page,
        Action::PageUp => inspect.scroll = inspect.scroll.saturating_sub(page),
        Action::Top => inspect.scroll = 0,
        Action::CopyCurl => effects = copy_curl(model, inspect.entry),
        _ => {}
    }
    model.overlay = Some(Overlay::Inspect(inspect));
    effects
}

/// The request of log entry `id` as a curl command, to the clipboard.
fn copy_curl(model: &mut Model, id: u64) -> Vec<Effect> {
    let Some(x) = entry(model, id).and_then(LogEntry::request) else {
        model.toast(Level::Info, "an event: no request to copy");
        return Vec::new();
    };
    let command = curl(
        &model.ctx.api_base,
        &x.method,
        &x.path,
        x.request_body.as_deref(),
    );
    model.toast(
        Level::Success,
        format!("copied: {} {} as curl", x.method, x.path),
    );
    vec![Effect::Copy(command)]
}

/// `curl -sS -X PATCH 'BASE/PATH' -H "Authorization: Bearer $TELNYX_API_KEY" ...`:
/// the key stays in the environment, never in the command.
pub fn curl(base: &str, method: &str, path: &str, body: Option<&str>) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let mut cmd = format!(
        "curl -sS -X {method} {} -H \"Authorization: Bearer $TELNYX_API_KEY\"",
        quote(&url)
    );
    if let Some(body) = body {
        cmd.push_str(" -H 'Content-Type: application/json' --data-raw ");
        cmd.push_str(&quote(body));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_keeps_the_key_in_the_environment_and_quotes_for_a_shell() {
        let cmd = curl(
            "https://api.telnyx.com/v2/",
            "PATCH",
            "/conferences/c/participants/p",
            Some(r#"{"label":"O'Brien"}"#),
        );
        assert_eq!(
            cmd,
            r#"curl -sS -X PATCH 'https://api.telnyx.com/v2/conferences/c/participants/p' -H "Authorization: Bearer $TELNYX_API_KEY" -H 'Content-Type: application/json' --data-raw '{"label":"O'\''Brien"}'"#
        );
        let get = curl(
            "http://127.0.0.1:8765/v2",
            "GET",
            "/conferences?page%5Bsize%5D=250",
            None,
        );
        assert_eq!(
            get,
            r#"curl -sS -X GET 'http://127.0.0.1:8765/v2/conferences?page%5Bsize%5D=250' -H "Authorization: Bearer $TELNYX_API_KEY""#
        );
    }
}
