//! Query strings: decoded once (`filter[muted]` and `filter%5Bmuted%5D`
//! alike), checked against the parameters the operation declares, and read.
//!
//! The spec's query parameters are `region` and two deepObject parameters,
//! `filter` and `page`. Each is described here by a small schema ([`Kind`])
//! copied from the spec; every value of a declared parameter must fit it,
//! else a 422 naming the parameter in `source.parameter`. Parameters the
//! operation does not declare are ignored, and so are unknown keys inside
//! `filter[...]` and `page[...]` (those objects allow any), except under
//! `filter[occurred_at]` and `filter[application_name]`, which the spec
//! closes (`additionalProperties: false`). When a key comes twice, each value
//! is checked and the last one counts. An integer is decimal digits with an
//! optional sign (`20`, not `20.0`); a boolean is `true` or `false`; a UUID
//! is hyphenated, in either case; `x-format: int64` is not a schema keyword,
//! so `filter[outbound.outbound_voice_profile_id]` takes any string.

use super::errors::SimError;
use super::wire::{ConferenceStatus, PaginationMeta, Region};

/// The largest `page[number]` (the sim's documented limit).
pub(crate) const MAX_PAGE_NUMBER: i64 = i64::MAX;
/// The largest `page[size]` and `page[limit]`.
pub(crate) const MAX_PAGE_SIZE: i64 = 250;
/// The page size when neither `page[size]` nor `page[limit]` is given.
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 20;

/// The schema of a query value: the subset of JSON Schema the spec's query
/// parameters use.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Text,
    Uuid,
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    Enum(&'static [&'static str]),
    /// `closed`: `additionalProperties: false`.
    Object {
        fields: &'static [(&'static str, Kind)],
        closed: bool,
    },
}

/// The operation's declared query parameters.
pub(crate) type Declared = &'static [(&'static str, Kind)];

const REGION: Kind = Kind::Enum(Region::NAMES);

/// `call-control_PageConsolidated`.
const PAGE: Kind = Kind::Object {
    fields: &[
        ("after", Kind::Text),
        ("before", Kind::Text),
        (
            "limit",
            Kind::Int {
                min: 1,
                max: MAX_PAGE_SIZE,
            },
        ),
        (
            "number",
            Kind::Int {
                min: 1,
                max: MAX_PAGE_NUMBER,
            },
        ),
        (
            "size",
            Kind::Int {
                min: 1,
                max: MAX_PAGE_SIZE,
            },
        ),
    ],
    closed: false,
};

const OCCURRED_AT: Kind = Kind::Object {
    fields: &[
        ("eq", Kind::Text),
        ("gt", Kind::Text),
        ("gte", Kind::Text),
        ("lt", Kind::Text),
        ("lte", Kind::Text),
    ],
    closed: true,
};

/// `call-control_FilterConsolidated`.
const CONFERENCE_FILTER: Kind = Kind::Object {
    fields: &[
        (
            "application_name",
            Kind::Object {
                fields: &[("contains", Kind::Text)],
                closed: true,
            },
        ),
        ("application_session_id", Kind::Uuid),
        ("connection_id", Kind::Text),
        ("failed", Kind::Bool),
        ("from", Kind::Text),
        ("leg_id", Kind::Uuid),
        ("name", Kind::Text),
        ("occurred_at", OCCURRED_AT),
        ("outbound.outbound_voice_profile_id", Kind::Text),
        ("product", Kind::Enum(&["call_control", "fax", "texml"])),
        ("status", Kind::Enum(ConferenceStatus::NAMES)),
        ("to", Kind::Text),
        ("type", Kind::Enum(&["command", "webhook"])),
    ],
    closed: false,
};

/// The `filter` of ListConferenceParticipants.
const PARTICIPANT_FILTER: Kind = Kind::Object {
    fields: &[
        ("muted", Kind::Bool),
        ("on_hold", Kind::Bool),
        ("whispering", Kind::Bool),
    ],
    closed: false,
};

/// ListConferences.
pub(crate) const LIST_CONFERENCES: Declared = &[
    ("region", REGION),
    ("filter", CONFERENCE_FILTER),
    ("page", PAGE),
];

/// ListConferenceParticipants.
pub(crate) const LIST_PARTICIPANTS: Declared = &[
    ("region", REGION),
    ("page", PAGE),
    ("filter", PARTICIPANT_FILTER),
];

/// RetrieveConference.
pub(crate) const RETRIEVE_CONFERENCE: Declared = &[("region", REGION)];

/// The decoded query string.
pub(crate) struct Query(Vec<(String, String)>);

pub(crate) struct Paging {
    pub number: u64,
    pub size: u64,
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let raw = raw.unwrap_or_default();
        Query(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// Checks every value given for a declared parameter.
    pub(crate) fn check(&self, declared: Declared) -> Result<(), SimError> {
        for (key, value) in &self.0 {
            let Some((base, path)) = split_key(key) else {
                continue;
            };
            if let Some(&(_, kind)) = declared.iter().find(|(name, _)| *name == base) {
                check_value(kind, base, &path, key, value)?;
            }
        }
        Ok(())
    }

    /// The last value given for `key` (as in `filter[status]`).
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A checked boolean.
    pub(crate) fn flag(&self, key: &str) -> Option<bool> {
        self.get(key).map(|v| v == "true")
    }

    fn int(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    /// Checked paging: `page[size]`, else `page[limit]`, else 20.
    pub(crate) fn paging(&self) -> Paging {
        Paging {
            number: self.int("page[number]").unwrap_or(1),
            size: self
                .int("page[size]")
                .or_else(|| self.int("page[limit]"))
                .unwrap_or(DEFAULT_PAGE_SIZE),
        }
    }
}

/// `filter[occurred_at][gte]` -> `("filter", ["occurred_at", "gte"])`; `None`
/// for a key that is not a name followed by bracketed, non-empty segments.
fn split_key(key: &str) -> Option<(&str, Vec<&str>)> {
    let (base, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    let mut path = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        let segment = &inner[..end];
        if segment.is_empty() || segment.contains('[') {
            return None;
        }
        path.push(segment);
        rest = &inner[end + 1..];
    }
    (!base.is_empty()).then_some((base, path))
}

fn check_value(
    mut kind: Kind,
    base: &str,
    path: &[&str],
    key: &str,
    value: &str,
) -> Result<(), SimError> {
    let mut name = base.to_string();
    for segment in path {
        match kind {
            Kind::Object { fields, closed } => {
                match fields.iter().find(|(field, _)| field == segment) {
                    Some(&(_, inner)) => kind = inner,
                    None if closed => {
                        let allowed: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
                        return Err(SimError::invalid_value(&format!(
                            "{name} accepts only {}.",
                            allowed.join(", ")
                        ))
                        .parameter(key));
                    }
                    // an open object takes keys it does not describe
                    None => return Ok(()),
                }
                name = format!("{name}[{segment}]");
            }
            scalar => {
                return Err(SimError::invalid_value(&format!(
                    "{name} must be {}, not an object.",
                    scalar.describe()
                ))
                .parameter(&name));
            }
        }
    }
    check_scalar(kind, value).map_err(|e| e.parameter(&name))
}

fn check_scalar(kind: Kind, value: &str) -> Result<(), SimError> {
    match kind {
        Kind::Text => Ok(()),
        Kind::Uuid if is_uuid(value) => Ok(()),
        Kind::Bool if value == "true" || value == "false" => Ok(()),
        Kind::Enum(names) if names.contains(&value) => Ok(()),
        Kind::Enum(names) => Err(SimError::invalid_enum(names)),
        Kind::Int { min, max } => {
            let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SimError::invalid_value(&format!(
                    "The value must be {}.",
                    kind.describe()
                )));
            }
            // an integer too long for an i64 is outside of every range
            match value.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(()),
                _ => Err(SimError::out_of_range(min, max)),
            }
        }
        _ => Err(SimError::invalid_value(&format!(
            "The value must be {}.",
            kind.describe()
        ))),
    }
}

/// A UUID in its hyphenated form (`format: uuid`), in either case.
pub(crate) fn is_uuid(raw: &str) -> bool {
    raw.len() == 36 && uuid::Uuid::try_parse(raw).is_ok()
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Uuid => "a UUID",
            Kind::Bool => "true or false",
            Kind::Int { .. } => "an integer",
            Kind::Enum(_) => "a string",
            Kind::Object { .. } => "an object",
        }
    }
}

/// One page of `items` and its meta. `total_pages` is `ceil(total / size)`
/// (0 when there is nothing).
pub(crate) fn page<T>(items: impl Iterator<Item = T>, paging: &Paging) -> (Vec<T>, PaginationMeta) {
    let (start, end) = paging.bounds();
    let mut total: u64 = 0;
    let mut data = Vec::new();
    for item in items {
        if total >= start && total < end {
            data.push(item);
        }
        total += 1;
    }
    (data, paging.meta(total))
}

/// [`page`] of a whole slice, without a scan.
pub(crate) fn page_slice<'a, T>(items: &'a [T], paging: &Paging) -> (&'a [T], PaginationMeta) {
    let (start, end) = paging.bounds();
    let len = items.len() as u64;
    let (start, end) = (start.min(len) as usize, end.min(len) as usize);
    (&items[start..end], paging.meta(len))
}

impl Paging {
    /// The positions `start..end` the page covers.
    fn bounds(&self) -> (u64, u64) {
        let start = (self.number - 1).saturating_mul(self.size);
        (start, start.saturating_add(self.size))
    }

    fn meta(&self, total: u64) -> PaginationMeta {
        PaginationMeta {
            page_number: self.number,
            page_size: self.size,
            total_pages: total.div_ceil(self.size),
            total_results: total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, declared: Declared) -> Result<(), (String, String, Option<String>)> {
        Query::parse(Some(query)).check(declared).map_err(|e| {
            let source = match e.entry.source {
                Some(super::super::wire::ErrorSource::Parameter(p)) => Some(p),
                _ => None,
            };
            (e.entry.code, e.entry.detail, source)
        })
    }

    #[test]
    fn keys_split_into_their_segments() {
        assert_eq!(
            split_key("filter[occurred_at][gte]"),
            Some(("filter", vec!["occurred_at", "gte"]))
        );
        assert_eq!(split_key("region"), Some(("region", vec![])));
        assert_eq!(
            split_key("filter[outbound.outbound_voice_profile_id]"),
            Some(("filter", vec!["outbound.outbound_voice_profile_id"]))
        );
        for bad in [
            "filter[status",
            "filter[]",
            "filter[a]b",
            "[a]",
            "filter[a[b]]",
        ] {
            assert_eq!(split_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_declared_parameter_is_checked_by_its_schema() {
        let ok = [
            "region=Middle+East",
            "filter[status]=init&filter[name]=x&filter[connection_id]=7",
            "filter[product]=fax&filter[type]=webhook&filter[failed]=false",
            "filter[leg_id]=3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "filter[occurred_at][gte]=2019-03-29T11:10:00Z&filter[application_name][contains]=abc",
            "filter[outbound.outbound_voice_profile_id]=1293384261075731499",
            "page[after]=x&page[before]=y&page[limit]=250&page[size]=1&page[number]=9223372036854775807",
            "filter[colour]=blue&page[colour]=1&colour=red&filter[status",
        ];
        for q in ok {
            assert_eq!(check(q, LIST_CONFERENCES), Ok(()), "{q}");
        }
        let bad = [
            ("region=Mars", "10032", "region"),
            ("region[x]=US", "10015", "region"),
            ("filter=x", "10015", "filter"),
            ("filter[status]=paused", "10032", "filter[status]"),
            ("filter[status][x]=init", "10015", "filter[status]"),
            ("filter[product]=sms", "10032", "filter[product]"),
            ("filter[failed]=yes", "10015", "filter[failed]"),
            ("filter[leg_id]=abc", "10015", "filter[leg_id]"),
            ("filter[occurred_at]=2019", "10015", "filter[occurred_at]"),
            (
                "filter[occurred_at][after]=2019",
                "10015",
                "filter[occurred_at][after]",
            ),
            (
                "filter[application_name][is]=x",
                "10015",
                "filter[application_name][is]",
            ),
            ("page[size]=0", "10033", "page[size]"),
            ("page[limit]=251", "10033", "page[limit]"),
            ("page[size]=ten", "10015", "page[size]"),
            ("page[size]=", "10015", "page[size]"),
            ("page[number]=1.5", "10015", "page[number]"),
            ("page[number]=99999999999999999999", "10033", "page[number]"),
            ("page[number]=-1", "10033", "page[number]"),
            ("page=2", "10015", "page"),
        ];
        for (q, code, parameter) in bad {
            let (got, _, source) = check(q, LIST_CONFERENCES).unwrap_err();
            assert_eq!(
                (got.as_str(), source.as_deref()),
                (code, Some(parameter)),
                "{q}"
            );
        }
        let (_, detail, _) =
            check("page[number]=99999999999999999999", LIST_CONFERENCES).unwrap_err();
        assert_eq!(
            detail,
            "The value is outside of allowed range 1 to 9223372036854775807"
        );
        // the participants' filter is another object
        assert!(
            check(
                "filter[muted]=true&filter[whispering]=false",
                LIST_PARTICIPANTS
            )
            .is_ok()
        );
        assert!(check("filter[on_hold]=1", LIST_PARTICIPANTS).is_err());
        assert!(check("filter[status]=paused", LIST_PARTICIPANTS).is_ok());
        // parameters an operation does not declare are not looked at
        assert!(check("page[size]=0&filter[muted]=x", RETRIEVE_CONFERENCE).is_ok());
    }

    #[test]
    fn paging_takes_size_then_limit_then_the_default() {
        let paging = |q: &str| {
            let p = Query::parse(Some(q)).paging();
            (p.number, p.size)
        };
        assert_eq!(paging(""), (1, 20));
        assert_eq!(paging("page[limit]=7"), (1, 7));
        assert_eq!(paging("page[limit]=7&page[size]=9&page[number]=3"), (3, 9));
        assert_eq!(paging("page[size]=5&page[size]=6"), (1, 6));
    }
}
