//! The edit form of one participant, or of many (the marked): three fields,
//! their pending values, and the PATCH they make of each participant.

use crate::telnyx::{BeepEnabled, Participant, UpdateParticipant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    EndOnExit,
    SoftEnd,
    Beep,
}

impl Field {
    pub const ALL: [Field; 3] = [Field::EndOnExit, Field::SoftEnd, Field::Beep];

    pub fn name(self) -> &'static str {
        match self {
            Field::EndOnExit => "end_conference_on_exit",
            Field::SoftEnd => "soft_end_conference_on_exit",
            Field::Beep => "beep_enabled",
        }
    }

    fn index(self) -> usize {
        Field::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }

    pub fn next(self) -> Field {
        Field::ALL[(self.index() + 1) % Field::ALL.len()]
    }

    pub fn prev(self) -> Field {
        Field::ALL[(self.index() + Field::ALL.len() - 1) % Field::ALL.len()]
    }
}

/// Pending edits. `None` means "unchanged": the field follows the server's
/// value (which a refresh may change while the form is open).
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// The participants edited, by id: one, or the marked (a bulk edit).
    pub targets: Vec<String>,
    pub end_on_exit: Option<bool>,
    pub soft_end: Option<bool>,
    /// `None`: leave beep_enabled as it is (the API never tells its value).
    pub beep: Option<BeepEnabled>,
    pub focus: Field,
    /// The seq of the PATCH in flight from this form.
    pub submitting: Option<u64>,
}

impl Form {
    pub fn new(targets: Vec<String>) -> Self {
        Form {
            targets,
            end_on_exit: None,
            soft_end: None,
            beep: None,
            focus: Field::EndOnExit,
            submitting: None,
        }
    }

    /// The one participant edited, unless this is a bulk edit.
    pub fn single(&self) -> Option<&str> {
        match self.targets.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Space on the focused field: flips a boolean (relative to `current`,
    /// the value every target shares; `None` when they differ: then it
    /// cycles unchanged, yes, no), or moves beep_enabled to its next value.
    pub fn toggle(&mut self, current: Option<bool>) {
        let toggled = |pending: Option<bool>| match current {
            Some(server) => flip(pending, server),
            None => match pending {
                None => Some(true),
                Some(true) => Some(false),
                Some(false) => None,
            },
        };
        match self.focus {
            Field::EndOnExit => self.end_on_exit = toggled(self.end_on_exit),
            Field::SoftEnd => self.soft_end = toggled(self.soft_end),
            Field::Beep => self.cycle_beep(true),
        }
    }

    /// Left/Right: cycles beep_enabled through unchanged, always, never,
    /// on_enter, on_exit; sets a boolean to no (Left) or yes (Right) (which
    /// is no change when every target already has it).
    pub fn step(&mut self, forward: bool, current: Option<bool>) {
        let chosen = |value: bool| match current {
            Some(server) => set(value, server),
            None => Some(value),
        };
        match self.focus {
            Field::EndOnExit => self.end_on_exit = chosen(forward),
            Field::SoftEnd => self.soft_end = chosen(forward),
            Field::Beep => self.cycle_beep(forward),
        }
    }

    fn cycle_beep(&mut self, forward: bool) {
        let all = BeepEnabled::ALL;
        self.beep = match (self.beep, forward) {
            (None, true) => Some(all[0]),
            (None, false) => Some(all[all.len() - 1]),
            (Some(b), true) if b == all[all.len() - 1] => None,
            (Some(b), false) if b == all[0] => None,
            (Some(b), true) => Some(b.next()),
            (Some(b), false) => Some(b.prev()),
        };
    }

    /// Whether any field has a pending value.
    pub fn is_untouched(&self) -> bool {
        self.end_on_exit.is_none() && self.soft_end.is_none() && self.beep.is_none()
    }

    /// The PATCH body for one participant: only the fields whose pending
    /// value differs from its current one (and beep_enabled when one was
    /// chosen).
    pub fn changes(&self, server: &Participant) -> UpdateParticipant {
        UpdateParticipant {
            end_conference_on_exit: self
                .end_on_exit
                .filter(|v| *v != server.end_conference_on_exit),
            soft_end_conference_on_exit: self
                .soft_end
                .filter(|v| *v != server.soft_end_conference_on_exit),
            beep_enabled: self.beep,
        }
    }
}

fn flip(pending: Option<bool>, server: bool) -> Option<bool> {
    let shown = pending.unwrap_or(server);
    normalize(!shown, server)
}

fn set(value: bool, server: bool) -> Option<bool> {
    normalize(value, server)
}

/// A pending value equal to the server's is no change at all.
fn normalize(value: bool, server: bool) -> Option<bool> {
    (value != server).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(end: bool, soft: bool) -> Participant {
        Participant {
            id: "p".into(),
            end_conference_on_exit: end,
            soft_end_conference_on_exit: soft,
            ..Default::default()
        }
    }

    #[test]
    fn toggling_twice_is_no_change() {
        let s = server(false, true);
        let mut f = Form::new(vec!["p".into()]);
        f.focus = Field::SoftEnd;
        f.toggle(Some(true));
        assert_eq!(f.soft_end, Some(false));
        assert_eq!(f.changes(&s).soft_end_conference_on_exit, Some(false));
        f.toggle(Some(true));
        assert_eq!(f.soft_end, None);
        assert!(f.changes(&s).is_empty());
    }

    #[test]
    fn beep_cycles_through_unchanged() {
        let mut f = Form::new(vec!["p".into()]);
        f.focus = Field::Beep;
        let mut seen = vec![f.beep];
        for _ in 0..5 {
            f.toggle(Some(false));
            seen.push(f.beep);
        }
        use BeepEnabled::*;
        assert_eq!(
            seen,
            vec![
                None,
                Some(Always),
                Some(Never),
                Some(OnEnter),
                Some(OnExit),
                None
            ]
        );
        f.step(false, None);
        assert_eq!(f.beep, Some(OnExit));
    }

    #[test]
    fn a_pending_value_the_server_reached_meanwhile_is_no_change() {
        let mut f = Form::new(vec!["p".into()]);
        f.toggle(Some(false)); // end_on_exit: pending yes
        assert_eq!(
            f.changes(&server(false, false)).end_conference_on_exit,
            Some(true)
        );
        // a refresh shows the server already at yes: nothing to send
        assert!(f.changes(&server(true, false)).is_empty());
    }

    #[test]
    fn a_mixed_field_cycles_unchanged_yes_no_and_each_target_gets_its_change() {
        let mut f = Form::new(vec!["a".into(), "b".into()]);
        let mut seen = vec![f.end_on_exit];
        for _ in 0..3 {
            f.toggle(None);
            seen.push(f.end_on_exit);
        }
        assert_eq!(seen, vec![None, Some(true), Some(false), None]);
        f.step(true, None);
        assert_eq!(f.end_on_exit, Some(true));
        // a target that already has the value gets no change of it
        assert!(f.changes(&server(true, false)).is_empty());
        assert_eq!(
            f.changes(&server(false, false)).end_conference_on_exit,
            Some(true)
        );
        assert_eq!(f.single(), None);
    }

    #[test]
    fn focus_wraps_both_ways() {
        assert_eq!(Field::Beep.next(), Field::EndOnExit);
        assert_eq!(Field::EndOnExit.prev(), Field::Beep);
    }
}
