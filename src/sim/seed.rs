//! Seeding the world: ids, timestamps, labels and flags, all from the seed.

use std::collections::{BinaryHeap, HashMap};

use fastrand::Rng;
use time::OffsetDateTime;
use time::macros::format_description;

use super::SimConfig;
use super::names::{self, LabelGen};
use super::state::{Conf, ConfData, SimParticipant, World};
use super::wire::{ConferenceStatus, EndReason, ParticipantStatus};

/// RFC 3339 in UTC with milliseconds: `2026-11-30T10:00:02.574Z`.
pub(crate) fn stamp(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap_or_default()
}

pub(crate) fn truncate_ms(t: OffsetDateTime) -> OffsetDateTime {
    t - time::Duration::nanoseconds(i64::from(t.nanosecond() % 1_000_000))
}

pub(crate) fn uuid(rng: &mut Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// `v3:` and 54 characters of base64url, like Telnyx's.
pub(crate) fn call_control_id(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut id = String::with_capacity(57);
    id.push_str("v3:");
    for _ in 0..54 {
        id.push(char::from(ALPHABET[rng.usize(..ALPHABET.len())]));
    }
    id
}

pub(crate) fn new_participant(
    rng: &mut Rng,
    label: String,
    at: &str,
    status: ParticipantStatus,
) -> SimParticipant {
    SimParticipant {
        id: uuid(rng),
        call_control_id: call_control_id(rng),
        call_leg_id: uuid(rng),
        label,
        status,
        muted: false,
        on_hold: false,
        end_conference_on_exit: false,
        soft_end_conference_on_exit: false,
        beep_enabled: None,
        whisper_call_control_ids: Vec::new(),
        created_at: at.to_string(),
        updated_at: at.to_string(),
    }
}

/// What a seeded conference is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    InProgress,
    /// Created, nobody has finished joining: every participant `joining`.
    Init,
    /// Everyone left.
    Completed,
}

/// Whether participant `k` (not the host) of a conference of `count`
/// whispers to the host: one in 29, and at least one in any conference of
/// two or more.
fn whispers(k: usize, count: usize) -> bool {
    k > 0 && (k % 29 == 7 || k + 1 == count.min(8))
}

impl World {
    /// The world of `config`. Without a scenario: `conferences` of
    /// `participants` each, the fourth of every four completed and the third
    /// `init`; never the first, which stays in progress with a host that
    /// soft-ends it on exit (and nobody who ends it on exit).
    pub(crate) fn seed(config: &SimConfig) -> World {
        let now = truncate_ms(OffsetDateTime::now_utc());
        let mut rng = Rng::with_seed(config.seed);
        let scenario = config.scenario.as_ref();
        let plan: Vec<(String, usize, Phase)> = match scenario.filter(|s| !s.conferences.is_empty())
        {
            Some(s) => s
                .conferences
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let name = if c.name.is_empty() {
                        names::conference_name(i)
                    } else {
                        c.name.clone()
                    };
                    let phase = match (c.completed, c.init) {
                        (true, _) => Phase::Completed,
                        (false, true) => Phase::Init,
                        (false, false) => Phase::InProgress,
                    };
                    (name, c.participants.unwrap_or(config.participants), phase)
                })
                .collect(),
            None => (0..config.conferences)
                .map(|i| {
                    let phase = match i % 4 {
                        3 => Phase::Completed,
                        2 => Phase::Init,
                        _ => Phase::InProgress,
                    };
                    (names::conference_name(i), config.participants, phase)
                })
                .collect(),
        };
        let labels: &[String] = scenario.map(|s| s.labels.as_slice()).unwrap_or(&[]);
        let connection_id =
            (1_000_000_000_000_000_000u64 + rng.u64(..8_000_000_000_000_000_000)).to_string();
        let mut world = World {
            confs: Vec::with_capacity(plan.len()),
            by_id: HashMap::new(),
            rng: Rng::with_seed(config.seed ^ 0x9E37_79B9_7F4A_7C15),
            hostile: config.hostile_labels,
            churn_on: config.churn > 0.0,
            timers: BinaryHeap::new(),
            seq: 0,
            last_stamp: now,
        };
        // created between 6 minutes and ~4 hours ago, newest first, spread evenly
        let spacing = (230 * 60 / plan.len().max(1) as i64).min(23 * 60);
        for (i, (name, count, phase)) in plan.into_iter().enumerate() {
            let jitter = rng.i64(0..(spacing / 2).max(1));
            let age = time::Duration::seconds(6 * 60 + spacing * i as i64 + jitter);
            let created = now - age;
            let ended = created + age / 2;
            let mut data = ConfData {
                id: uuid(&mut rng),
                name,
                created_at: stamp(created),
                expires_at: stamp(created + time::Duration::hours(4)),
                status: match phase {
                    Phase::Init => ConferenceStatus::Init,
                    _ => ConferenceStatus::InProgress,
                },
                end_reason: None,
                ended_by: None,
                connection_id: connection_id.clone(),
                region: "sv1".to_string(),
                updated_at: stamp(created),
            };
            let until = if phase == Phase::Completed {
                ended
            } else {
                now
            };
            let span_ms = (until - created).whole_milliseconds().max(0) as i64;
            let mut conf = Conf {
                data: data.clone(),
                participants: Vec::with_capacity(count),
                index: HashMap::with_capacity(count),
                soft_ended: false,
                target: count,
            };
            let mut label_gen = LabelGen::new(labels, config.hostile_labels);
            for k in 0..count {
                let joined =
                    created + time::Duration::milliseconds(span_ms * k as i64 / count as i64);
                let label = label_gen.label(&mut rng, k);
                let mut p =
                    new_participant(&mut rng, label, &stamp(joined), ParticipantStatus::Joined);
                let roll = rng.u8(..100);
                if k == 0 {
                    // the host: the first conference's must not end it on exit
                    if i == 0 {
                        p.soft_end_conference_on_exit = true;
                    } else {
                        p.end_conference_on_exit = true;
                    }
                } else {
                    p.muted = roll < 22;
                    p.on_hold = (22..27).contains(&roll);
                    p.soft_end_conference_on_exit = (27..30).contains(&roll);
                    p.end_conference_on_exit = i != 0 && (30..32).contains(&roll);
                    if whispers(k, count) {
                        p.whisper_call_control_ids =
                            vec![conf.participants[0].call_control_id.clone()];
                    }
                }
                match phase {
                    Phase::InProgress => {}
                    Phase::Init => p.status = ParticipantStatus::Joining,
                    Phase::Completed => {
                        p.status = ParticipantStatus::Left;
                        p.updated_at = stamp(ended);
                    }
                }
                conf.push(p);
            }
            if phase == Phase::Completed {
                data.status = ConferenceStatus::Completed;
                data.end_reason = Some(EndReason::AllLeft);
                let last = conf
                    .participants
                    .last()
                    .map(|p| p.call_control_id.clone())
                    .unwrap_or_else(|| call_control_id(&mut rng));
                data.ended_by = Some((last, uuid(&mut rng)));
                data.updated_at = stamp(ended);
            }
            conf.data = data;
            world.by_id.insert(conf.data.id.clone(), world.confs.len());
            world.confs.push(conf);
        }
        world
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_have_milliseconds_and_never_repeat() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_795_000_000_574_999_999).unwrap();
        let s = stamp(t);
        assert!(s.ends_with(".574Z"), "{s}");
        assert_eq!(s.len(), "2026-11-30T10:00:02.574Z".len());
        let mut world = World::seed(&SimConfig {
            conferences: 1,
            participants: 1,
            ..SimConfig::default()
        });
        let a = world.stamp_now();
        let b = world.stamp_now();
        assert!(b > a, "{a} {b}");
    }

    #[test]
    fn ids_look_like_the_apis() {
        let mut rng = Rng::with_seed(3);
        let ccid = call_control_id(&mut rng);
        assert!(ccid.starts_with("v3:") && ccid.len() == 57, "{ccid}");
        let id = uuid(&mut rng);
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
    }

    #[test]
    fn the_first_conference_is_live_and_has_no_end_on_exit() {
        let world = World::seed(&SimConfig {
            conferences: 8,
            participants: 60,
            ..SimConfig::default()
        });
        assert!(world.confs[0].in_progress());
        assert!(!world.confs[3].active() && !world.confs[7].active());
        assert!(world.confs[2].active() && !world.confs[2].in_progress());
        assert!(
            world.confs[0]
                .participants
                .iter()
                .all(|p| !p.end_conference_on_exit)
        );
        assert!(world.confs[0].participants[0].soft_end_conference_on_exit);
        assert!(world.confs[1].participants[0].end_conference_on_exit);
        let expiries: Vec<_> = world
            .confs
            .iter()
            .map(|c| c.data.expires_at.clone())
            .collect();
        assert!(expiries.windows(2).all(|w| w[0] > w[1]), "{expiries:?}");
    }

    #[test]
    fn init_conferences_and_whisperers_are_seeded() {
        let world = World::seed(&SimConfig {
            conferences: 7,
            participants: 5,
            ..SimConfig::default()
        });
        let statuses: Vec<_> = world.confs.iter().map(|c| c.data.status).collect();
        use ConferenceStatus::*;
        assert_eq!(
            statuses,
            [
                InProgress, InProgress, Init, Completed, InProgress, InProgress, Init
            ]
        );
        for conf in world.confs.iter().filter(|c| c.data.status == Init) {
            assert!(
                conf.participants
                    .iter()
                    .all(|p| p.status == ParticipantStatus::Joining)
            );
            assert_eq!(conf.data.end_reason, None);
        }
        for conf in &world.confs {
            let whisperers: Vec<_> = conf
                .participants
                .iter()
                .filter(|p| !p.whisper_call_control_ids.is_empty())
                .collect();
            assert_eq!(whisperers.len(), 1, "{}", conf.data.name);
            assert_eq!(
                whisperers[0].whisper_call_control_ids,
                [conf.participants[0].call_control_id.clone()]
            );
        }
        // one in 29 in a large conference
        assert!(whispers(1, 2) && !whispers(0, 2));
        assert!((1..5).all(|k| whispers(k, 5) == (k == 4)));
        let many = (0..100).filter(|&k| whispers(k, 100)).count();
        assert_eq!(many, 4);
    }
}
