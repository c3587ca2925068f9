//! `--churn`: participants join, leave and (un)mute on their own.
//!
//! One task wakes ten times a second, settles the transitions that are due
//! (joining -> joined, left -> gone) and plays the events owed since the
//! last wake-up, all under one lock.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::time::MissedTickBehavior;

use super::Shared;
use super::state::{SimParticipant, TimerKind, World};
use super::wire::ParticipantStatus;

const TICK: Duration = Duration::from_millis(100);
/// A bound on the events of one wake-up, however large the rate.
const MAX_EVENTS_PER_TICK: f64 = 500.0;

pub(crate) async fn run(shared: Arc<Shared>, rate: f64) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut stop = shared.shutdown.subscribe();
    let mut owed = 0.0;
    let mut last = Instant::now();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
        let now = Instant::now();
        owed = (owed + rate * now.duration_since(last).as_secs_f64()).min(MAX_EVENTS_PER_TICK);
        last = now;
        let events = owed.floor();
        owed -= events;
        shared.world().churn_tick(now, events as usize);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Join,
    Leave,
    Flip,
}

impl World {
    /// Settles due transitions, then plays `events` random events.
    pub(crate) fn churn_tick(&mut self, now: Instant, events: usize) {
        self.run_timers(now);
        for _ in 0..events {
            self.churn_event(now);
        }
    }

    fn run_timers(&mut self, now: Instant) {
        let mut removals: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        while self.timers.peek().is_some_and(|Reverse(t)| t.due <= now) {
            let Some(Reverse(timer)) = self.timers.pop() else {
                break;
            };
            match timer.kind {
                TimerKind::Joined => {
                    let Some(&pi) = self.confs[timer.conf].index.get(&timer.participant) else {
                        continue;
                    };
                    if self.confs[timer.conf].participants[pi].status == ParticipantStatus::Joining
                    {
                        let at = self.stamp_now();
                        let p = &mut self.confs[timer.conf].participants[pi];
                        p.status = ParticipantStatus::Joined;
                        p.updated_at = at;
                    }
                }
                TimerKind::Remove => removals
                    .entry(timer.conf)
                    .or_default()
                    .push(timer.participant),
            }
        }
        for (ci, ids) in removals {
            // an ended conference keeps its (left) participants listed
            if self.confs[ci].active() {
                self.confs[ci].remove(&ids);
            }
        }
    }

    /// One join, leave or mute flip in a conference in progress (an `init`
    /// conference stays as seeded).
    fn churn_event(&mut self, now: Instant) {
        let live: Vec<usize> = (0..self.confs.len())
            .filter(|&i| self.confs[i].in_progress())
            .collect();
        if live.is_empty() {
            return;
        }
        let ci = live[self.rng.usize(..live.len())];
        let conf = &self.confs[ci];
        let active = conf
            .participants
            .iter()
            .filter(|p| p.status != ParticipantStatus::Left)
            .count();
        let target = conf.target.max(2);
        let can_join = !conf.soft_ended;
        let roll = self.rng.f64();
        // keep the population between half and one and a half times the seed
        let event = if can_join && active < target / 2 {
            Event::Join
        } else if active > target * 3 / 2 {
            Event::Leave
        } else if roll < 0.35 && can_join {
            Event::Join
        } else if (0.35..0.65).contains(&roll) && active > target / 2 {
            Event::Leave
        } else {
            Event::Flip
        };
        match event {
            Event::Join => self.join(ci, now),
            Event::Leave => {
                let hosts =
                    |p: &SimParticipant| p.end_conference_on_exit || p.soft_end_conference_on_exit;
                let mut choice = self.pick(ci, |p| p.status == ParticipantStatus::Joined);
                // hosts leave too, but rarely: a demo should not end at once
                if choice.is_some_and(|pi| hosts(&self.confs[ci].participants[pi]))
                    && self.rng.u8(..10) != 0
                {
                    choice = self.pick(ci, |p| p.status == ParticipantStatus::Joined && !hosts(p));
                }
                if let Some(pi) = choice {
                    self.leave(ci, pi, now);
                }
            }
            Event::Flip => {
                if let Some(pi) = self.pick(ci, |p| p.status != ParticipantStatus::Left) {
                    let at = self.stamp_now();
                    let p = &mut self.confs[ci].participants[pi];
                    p.muted = !p.muted;
                    p.updated_at = at;
                }
            }
        }
    }

    /// A random participant of conference `ci` that satisfies `ok` (a few tries).
    fn pick(&mut self, ci: usize, ok: impl Fn(&SimParticipant) -> bool) -> Option<usize> {
        let n = self.confs[ci].participants.len();
        if n == 0 {
            return None;
        }
        (0..16)
            .map(|_| self.rng.usize(..n))
            .find(|&pi| ok(&self.confs[ci].participants[pi]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;

    fn world(churn: f64) -> World {
        World::seed(&SimConfig {
            conferences: 2,
            participants: 30,
            churn,
            ..SimConfig::default()
        })
    }

    #[test]
    fn joins_settle_and_leavers_disappear() {
        let mut w = world(5.0);
        let t0 = Instant::now();
        w.join(0, t0);
        let newcomer = w.confs[0].participants.last().unwrap().id.clone();
        assert_eq!(
            w.confs[0].participants.last().unwrap().status,
            ParticipantStatus::Joining
        );
        w.churn_tick(t0 + Duration::from_secs(3), 0);
        let pi = w.confs[0].index[&newcomer];
        assert_eq!(
            w.confs[0].participants[pi].status,
            ParticipantStatus::Joined
        );

        w.leave(0, pi, t0);
        w.churn_tick(t0 + Duration::from_secs(5), 0);
        assert!(
            w.confs[0].index.contains_key(&newcomer),
            "still listed while lingering"
        );
        w.churn_tick(t0 + Duration::from_secs(11), 0);
        assert!(!w.confs[0].index.contains_key(&newcomer));
        assert!(w.confs[0].participants.iter().all(|p| p.id != newcomer));
        // the index still points at the right rows
        for (id, &i) in &w.confs[0].index {
            assert_eq!(&w.confs[0].participants[i].id, id);
        }
    }

    #[test]
    fn many_events_keep_the_population_bounded_and_the_index_true() {
        let mut w = world(5.0);
        let t0 = Instant::now();
        for step in 0..400u64 {
            w.churn_tick(t0 + Duration::from_millis(step * 100), 3);
        }
        for conf in w.confs.iter().filter(|c| c.in_progress()) {
            let active = conf
                .participants
                .iter()
                .filter(|p| p.status != ParticipantStatus::Left)
                .count();
            assert!((10..=50).contains(&active), "{active}");
            for (id, &i) in &conf.index {
                assert_eq!(&conf.participants[i].id, id);
            }
        }
    }

    #[test]
    fn a_soft_ended_conference_takes_no_new_joins() {
        let mut w = World::seed(&SimConfig {
            conferences: 1,
            participants: 30,
            churn: 5.0,
            ..SimConfig::default()
        });
        let t0 = Instant::now();
        // the first conference's host soft-ends it on exit
        assert!(w.confs[0].participants[0].soft_end_conference_on_exit);
        w.leave(0, 0, t0);
        assert!(w.confs[0].soft_ended && w.confs[0].in_progress());
        let seeded: Vec<String> = w.confs[0]
            .participants
            .iter()
            .map(|p| p.id.clone())
            .collect();
        for step in 0..300u64 {
            w.churn_tick(t0 + Duration::from_millis(step * 100), 2);
        }
        assert!(
            w.confs[0]
                .participants
                .iter()
                .all(|p| seeded.contains(&p.id))
        );
        assert!(
            w.confs[0].participants.len() < seeded.len(),
            "leavers were removed"
        );
    }
}
