//! The line of a change to many: what it is, how far it got, and what failed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{spinner, thousands};
use super::hints;
use super::theme::Theme;
use crate::app::keymap::{Action, Scope, hint};
use crate::app::model::Model;
use crate::sanitize::sanitize_line;

/// Cells of the progress bar.
const BAR: usize = 12;

pub(super) fn render(frame: &mut Frame, area: Rect, model: &Model, t: &Theme) {
    let Some(run) = &model.run else { return };
    if area.height == 0 {
        return;
    }
    let failed: usize = run.failed.iter().map(|(job, _)| job_size(job)).sum();
    let skipped = run.skipped.len();
    let settled = run.done + failed + skipped;
    let total = run.total.max(settled).max(1);
    let filled = settled * BAR / total;
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(BAR - filled));
    let head = if run.running() {
        Span::styled(format!("{} ", spinner(model.now)), t.info())
    } else if failed > 0 {
        Span::styled("✖ ", t.error())
    } else {
        Span::styled("✔ ", t.ok())
    };
    // the counts first (they matter at any width), what it is last
    let mut spans = vec![
        head,
        Span::raw(format!(
            "{}/{} done",
            thousands(run.done),
            thousands(run.total)
        )),
    ];
    if failed > 0 {
        spans.push(Span::styled(
            format!(" · {} failed", thousands(failed)),
            t.error(),
        ));
    }
    if skipped > 0 {
        spans.push(Span::styled(
            format!(" · {} left meanwhile", thousands(skipped)),
            t.dim(),
        ));
    }
    let waiting: usize = run.queue.iter().map(job_size).sum::<usize>()
        + run.in_flight.values().map(job_size).sum::<usize>();
    if run.running() && waiting > 0 {
        spans.push(Span::styled(
            format!(" · {} to go", thousands(waiting)),
            t.dim(),
        ));
    }
    spans.push(Span::raw(" "));
    spans.push(Span::styled(bar, t.info()));
    if !run.running() && failed > 0 {
        spans.push(Span::raw("  "));
        spans.extend(hints::spans(hint(Scope::Table, Action::RetryFailed), t));
    }
    spans.push(Span::raw("  "));
    spans.push(Span::styled(sanitize_line(&run.what, 80), t.title()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn job_size(job: &crate::app::model::Job) -> usize {
    match job {
        crate::app::model::Job::Patch { .. } => 1,
        crate::app::model::Job::Act { participants, .. } => participants.len(),
    }
}
