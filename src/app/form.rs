//! The edit form of one participant: three fields, their pending values, and
//! the PATCH they make.

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
    pub participant_id: String,
    pub end_on_exit: Option<bool>,
    pub soft_end: Option<bool>,
    /// `None`: leave beep_enabled as it is (the API never tells its value).
    pub beep: Option<BeepEnabled>,
    pub focus: Field,
    /// The seq of the PATCH in flight from this form.
    pub submitting: Option<u64>,
}

impl Form {
    pub fn new(participant_id: &str) -> Self {
        Form {
            participant_id: participant_id.to_string(),
            end_on_exit: None,
            soft_end: None,
            beep: None,
            focus: Field::EndOnExit,
            submitting: None,
        }
    }

    /// Space on the focused field: flips a boolean (relative to what is shown),
    /// or moves beep_enabled to its next value.
    pub fn toggle(&mut self, server: &Participant) {
        match self.focus {
            Field::EndOnExit => {
                self.end_on_exit = flip(self.end_on_exit, server.end_conference_on_exit)
            }
            Field::SoftEnd => {
                self.soft_end = flip(self.soft_end, server.soft_end_conference_on_exit)
            }
            Field::Beep => self.cycle_beep(true),
        }
    }

    /// Left/Right: cycles beep_enabled through unchanged, always, never,
    /// on_enter, on_exit; sets a boolean to no (Left) or yes (Right).
    pub fn step(&mut self, forward: bool, server: &Participant) {
        match self.focus {
            Field::EndOnExit => self.end_on_exit = set(forward, server.end_conference_on_exit),
            Field::SoftEnd => self.soft_end = set(forward, server.soft_end_conference_on_exit),
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

    /// The PATCH body: only the fields whose pending value differs from the
    /// server's current one (and beep_enabled when one was chosen).
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
        let mut f = Form::new("p");
        f.focus = Field::SoftEnd;
        f.toggle(&s);
        assert_eq!(f.soft_end, Some(false));
        assert_eq!(f.changes(&s).soft_end_conference_on_exit, Some(false));
        f.toggle(&s);
        assert_eq!(f.soft_end, None);
        assert!(f.changes(&s).is_empty());
    }

    #[test]
    fn beep_cycles_through_unchanged() {
        let s = server(false, false);
        let mut f = Form::new("p");
        f.focus = Field::Beep;
        let mut seen = vec![f.beep];
        for _ in 0..5 {
            f.toggle(&s);
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
        f.step(false, &s);
        assert_eq!(f.beep, Some(OnExit));
    }

    #[test]
    fn a_pending_value_the_server_reached_meanwhile_is_no_change() {
        let mut f = Form::new("p");
        f.toggle(&server(false, false)); // end_on_exit: pending yes
        assert_eq!(
            f.changes(&server(false, false)).end_conference_on_exit,
            Some(true)
        );
        // a refresh shows the server already at yes: nothing to send
        assert!(f.changes(&server(true, false)).is_empty());
    }

    #[test]
    fn focus_wraps_both_ways() {
        assert_eq!(Field::Beep.next(), Field::EndOnExit);
        assert_eq!(Field::EndOnExit.prev(), Field::Beep);
    }
}
