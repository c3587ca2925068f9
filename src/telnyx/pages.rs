//! Listings read page by page: [`Pages`] yields the pages of a listing in
//! order, while the pages after the first are fetched several at a time.
//!
//! Every page is judged in order, by the same rules whatever order the
//! answers came in: items already seen are dropped, the client's
//! [`ListingLimits`] and [`MAX_PAGES`] stop the listing, and paging that does
//! not advance or whose meta makes no sense stops it with a warning. What is
//! delivered is therefore what reading the pages one after another would
//! deliver; fetching ahead only changes when the answers arrive.
//!
//! Fetching ahead starts once a page's meta tells, consistently, how many
//! pages there are (`total_pages`, agreeing with `total_results` and the
//! page size, on a full page). Without such a meta the next page is asked
//! for only when the last one has been judged, as the API's paging says. At
//! most [`ClientConfig::page_concurrency`] pages are requested and not yet
//! delivered at once; fewer when the server's `x-ratelimit-remaining` says it
//! has fewer tokens left; one at a time for the rest of the listing once a
//! page was answered 429; and never more than could be needed before a
//! limit is met, counting each page yet to come as full and new.
//!
//! [`ClientConfig::page_concurrency`]: super::ClientConfig::page_concurrency

use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::marker::PhantomData;
use std::sync::Arc;

use reqwest::Method;
use serde_json::value::RawValue;
use tokio::task::JoinSet;

use super::client::{Answer, Client, MAX_ITEM, MAX_PAGE_BODY, item_id};
use super::error::ApiError;
use super::models::{Conference, LeanParticipant, ListResponse, PaginationMeta, Participant};
use super::pacing::RateLimit;
use super::types::{Held, Listing, ListingLimit, ListingLimits, read_item};
use crate::sanitize::sanitize_line;

/// The page size used when listing everything (the API's maximum).
pub(crate) const PAGE_SIZE: u32 = 250;
/// A hard bound on pages fetched for one listing (250 x 2,000 = 500,000 items),
/// so that no server, however broken its paging, can keep a listing going forever.
pub(crate) const MAX_PAGES: u64 = 2_000;

/// What the items of a listing can be read as: kept as the API sent them
/// (`Box<RawValue>`), or decoded.
pub trait ListItem: Held + Sized {
    /// The item numbered `i` in the listing, or why it cannot be read.
    fn read(i: usize, raw: Box<RawValue>) -> Result<Self, String>;
}

/// Kept as the API sent it.
impl ListItem for Box<RawValue> {
    fn read(_: usize, raw: Box<RawValue>) -> Result<Self, String> {
        Ok(raw)
    }
}

impl ListItem for Participant {
    fn read(i: usize, raw: Box<RawValue>) -> Result<Self, String> {
        read_item(i, &raw)
    }
}

impl ListItem for LeanParticipant {
    fn read(i: usize, raw: Box<RawValue>) -> Result<Self, String> {
        read_item(i, &raw)
    }
}

impl ListItem for Conference {
    fn read(i: usize, raw: Box<RawValue>) -> Result<Self, String> {
        read_item(i, &raw)
    }
}

/// One page of a listing, as [`Pages::next`] delivers it: the items it
/// brought that the listing had not seen, in the server's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's number (`page[number]`), from 1.
    pub number: u64,
    pub items: Vec<T>,
}

/// How a listing ended: what it could not read or trust.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListingEnd {
    /// Items taken from the pages: delivered or rejected.
    pub taken: usize,
    /// One sanitized reason per item that could not be read.
    pub rejected: Vec<String>,
    /// Why paging stopped early, sanitized.
    pub warnings: Vec<String>,
    /// Set when the listing stopped at one of the client's bounds: the
    /// items delivered are a part of the list, not all of it. Its reason is
    /// also in `warnings`.
    pub truncated: Option<ListingLimit>,
}

/// The pages of one listing, delivered in order by [`Pages::next`] (see
/// the module doc). Dropping it cancels the requests still in flight.
pub struct Pages<T> {
    client: Client,
    segments: Arc<[String]>,
    query: Arc<[(String, String)]>,
    /// The listing's path, for the logs.
    what: String,
    limits: ListingLimits,
    concurrency: usize,
    /// The next page to deliver.
    next: u64,
    /// Pages 1 to `requested` have been asked for.
    requested: u64,
    /// Fetch ahead up to this page; `None`: one page at a time.
    last: Option<u64>,
    in_flight: JoinSet<(u64, Result<Fetched, ApiError>)>,
    /// Answers that came before the page they follow was delivered.
    arrived: BTreeMap<u64, Result<Fetched, ApiError>>,
    /// The ids of the items taken, as 128-bit digests under keys of this
    /// listing's own (16 bytes an item whatever the id; two ids agree by
    /// chance once in 2^64 listings of 50,000, and a server cannot aim at
    /// keys it does not know).
    seen: HashSet<u128>,
    keys: (RandomState, RandomState),
    /// What the items taken count against the byte limit.
    held_bytes: usize,
    /// The most items one page brought, and the most bytes.
    page_items: usize,
    page_bytes: usize,
    /// A page was answered 429: one page at a time from then on.
    rate_limited: bool,
    /// The rate-limit headers of the latest answer.
    rate: Option<RateLimit>,
    end: ListingEnd,
    done: bool,
    item: PhantomData<fn() -> T>,
}

/// One page's answer: its items with their ids, and what paging reads.
struct Fetched {
    items: Vec<(Option<String>, Box<RawValue>)>,
    meta: Option<PaginationMeta>,
    rate: Option<RateLimit>,
    rate_limited: bool,
}

impl<T: ListItem> Pages<T> {
    pub(super) fn new(
        client: Client,
        segments: &[&str],
        query: Vec<(String, String)>,
        what: String,
    ) -> Self {
        Pages {
            limits: client.listing_limits(),
            concurrency: client.page_concurrency().max(1),
            client,
            segments: segments.iter().map(|s| s.to_string()).collect(),
            query: query.into(),
            what,
            next: 1,
            requested: 0,
            last: None,
            in_flight: JoinSet::new(),
            arrived: BTreeMap::new(),
            seen: HashSet::new(),
            keys: (RandomState::new(), RandomState::new()),
            held_bytes: 0,
            page_items: 0,
            page_bytes: 0,
            rate_limited: false,
            rate: None,
            end: ListingEnd::default(),
            done: false,
            item: PhantomData,
        }
    }

    /// The next page, in order; `None` once the listing has ended (then
    /// [`end`](Self::end) says how). An error ends the listing.
    pub async fn next(&mut self) -> Result<Option<Page<T>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        self.request_more();
        let fetched = loop {
            if let Some(fetched) = self.arrived.remove(&self.next) {
                break fetched;
            }
            match self.in_flight.join_next().await {
                Some(Ok((number, fetched))) => {
                    self.arrived.insert(number, fetched);
                }
                Some(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // a task is cancelled only when the listing has ended
                Some(Err(_)) | None => {
                    self.finish();
                    return Err(ApiError::connection("the request of a page was cancelled"));
                }
            }
        };
        let page = match fetched {
            Ok(fetched) => self.take(fetched),
            Err(e) => {
                self.finish();
                return Err(e);
            }
        };
        if self.done {
            self.finish();
        } else {
            // the next pages are on their way while this one is used
            self.request_more();
        }
        Ok(Some(page))
    }

    /// How the listing ended (so far, while it goes on).
    pub fn end(&self) -> &ListingEnd {
        &self.end
    }

    /// Every page, its items in one listing.
    pub async fn collect(mut self) -> Result<Listing<T>, ApiError> {
        let mut items = Vec::new();
        while let Some(page) = self.next().await? {
            if items.capacity() == 0 {
                // room for the whole listing once its first page has told
                // how long it is (within the limits, which no server can
                // move), not a doubling vector a third empty
                let pages = self.last.unwrap_or(1).min(MAX_PAGES) as usize;
                let expected = pages.saturating_mul(self.page_items);
                let fits = self.limits.max_bytes / std::mem::size_of::<T>().max(1);
                let room = expected.min(self.limits.max_items).min(fits);
                items.reserve_exact(room.max(page.items.len()));
            }
            items.extend(page.items);
        }
        let end = std::mem::take(&mut self.end);
        Ok(Listing {
            items,
            rejected: end.rejected,
            warnings: end.warnings,
            truncated: end.truncated,
        })
    }

    /// Ends the listing: nothing more is requested or kept.
    fn finish(&mut self) {
        self.done = true;
        self.in_flight.abort_all();
        self.arrived.clear();
    }

    /// Asks for the pages that may be fetched now: the next one to deliver
    /// when nothing is on its way, and while fetching ahead, the following
    /// ones within the window and the limits.
    fn request_more(&mut self) {
        let horizon = match self.last {
            Some(last) => last.min(MAX_PAGES),
            None => self.next,
        };
        let mut window = if self.rate_limited {
            1
        } else {
            self.concurrency
        };
        if let Some(rate) = self.rate {
            window = window.min((rate.remaining as usize).max(1));
        }
        while self.requested < horizon {
            // requested and not yet delivered
            let outstanding = (self.requested + 1 - self.next) as usize;
            if outstanding > 0 && (outstanding >= window || !self.could_need(outstanding)) {
                break;
            }
            self.requested += 1;
            let number = self.requested;
            let (client, segments, query) = (
                self.client.clone(),
                self.segments.clone(),
                self.query.clone(),
            );
            self.in_flight.spawn(async move {
                let fetched = fetch(&client, &segments, &query, number).await;
                (number, fetched)
            });
        }
    }

    /// Whether the page after `outstanding` pages on their way could still
    /// be needed: whether those pages, were each as full as the fullest so
    /// far and all new, would leave the listing within its limits.
    fn could_need(&self, outstanding: usize) -> bool {
        let items = self.end.taken + outstanding.saturating_mul(self.page_items);
        let bytes = self
            .held_bytes
            .saturating_add(outstanding.saturating_mul(self.page_bytes));
        items <= self.limits.max_items && bytes <= self.limits.max_bytes
    }

    /// Ends the listing after `page`, saying why (and at which of the
    /// client's bounds, when it stopped at one).
    fn end_early(&mut self, page: u64, why: String, limit: Option<ListingLimit>) {
        tracing::warn!(path = %self.what, page, "{why}");
        self.end.warnings.push(sanitize_line(&why, 200));
        if limit.is_some() {
            self.end.truncated = limit;
        }
        self.done = true;
    }

    /// Judges the next page: keeps its new items within the limits, and
    /// decides from its meta whether the listing goes on, and how.
    ///
    /// Pages are read as JSON text (at most [`MAX_PAGE_BODY`] each) and each
    /// item is decoded on its own, so what a page costs is its size and one
    /// item's decoding (at most [`MAX_ITEM`]), never more. Each item counts
    /// the larger of its JSON text and what the listing holds of it
    /// ([`Held`]) against [`ListingLimits::max_bytes`]: that bounds both
    /// what is read and what is kept.
    fn take(&mut self, fetched: Fetched) -> Page<T> {
        let number = self.next;
        self.next += 1;
        self.rate_limited |= fetched.rate_limited;
        if fetched.rate.is_some() {
            self.rate = fetched.rate;
        }
        let returned = fetched.items.len();
        let mut page = Page {
            number,
            items: Vec::with_capacity(returned),
        };
        let bytes_before = self.held_bytes;
        let mut fresh = 0;
        let mut limit = None;
        for (id, raw) in fetched.items {
            let digest = id.as_deref().map(|id| {
                let (a, b) = &self.keys;
                u128::from(a.hash_one(id)) << 64 | u128::from(b.hash_one(id))
            });
            if digest.is_some_and(|d| self.seen.contains(&d)) {
                continue;
            }
            let taken = self.end.taken;
            if taken >= self.limits.max_items {
                limit = Some(ListingLimit::Items(self.limits.max_items));
                break;
            }
            let text = raw.get().len();
            let item = if text > MAX_ITEM {
                Err(format!(
                    "item {taken}: larger than {} KiB, not read",
                    MAX_ITEM >> 10
                ))
            } else {
                T::read(taken, raw)
            };
            // what was read or what is held, whichever is more (the item,
            // or the note that it could not be read), and the id's digest in
            // `seen`
            let kept = match &item {
                Ok(item) => item.held(),
                Err(why) => why.len() + 48,
            };
            let cost = kept.max(text) + digest.map_or(0, |_| 32);
            if self.held_bytes.saturating_add(cost) > self.limits.max_bytes {
                limit = Some(ListingLimit::Bytes(self.limits.max_bytes));
                break;
            }
            match item {
                Ok(item) => page.items.push(item),
                Err(why) => self.end.rejected.push(sanitize_line(&why, 160)),
            }
            if let Some(digest) = digest {
                self.seen.insert(digest);
            }
            self.end.taken += 1;
            self.held_bytes += cost;
            fresh += 1;
        }
        self.page_items = self.page_items.max(returned);
        self.page_bytes = self.page_bytes.max(self.held_bytes - bytes_before);
        let taken = self.end.taken;
        if let Some(limit) = limit {
            let why = format!(
                "stopped at {limit} of a listing, after {taken} items: the listing is incomplete"
            );
            self.end_early(number, why, Some(limit));
            return page;
        }
        let meta = fetched.meta.unwrap_or_default();
        if let Some(bad) = meta.nonsense() {
            let why = format!(
                "the server's paging meta makes no sense ({bad}): stopped after page {number}"
            );
            self.end_early(number, why, None);
            return page;
        }
        let more = match meta.total_pages {
            Some(total) => (number as i64) < total,
            // without meta, a full page means there may be another
            None => returned >= PAGE_SIZE as usize,
        };
        let complete = meta
            .total_results
            .is_some_and(|total| taken as i64 >= total);
        if returned == 0 || complete || !more {
            self.done = true;
            return page;
        }
        if meta.page_number.is_some_and(|n| n != number as i64) || fresh == 0 {
            let why = format!("the server's paging did not advance: stopped after page {number}");
            self.end_early(number, why, None);
            return page;
        }
        if number >= MAX_PAGES {
            let limit = ListingLimit::Pages(MAX_PAGES);
            let why = format!(
                "stopped at {limit} of a listing, after {taken} items: the listing may be incomplete"
            );
            self.end_early(number, why, Some(limit));
            return page;
        }
        self.last = known_last_page(&meta, returned);
        page
    }
}

/// The last page, when a page that is not the last tells it consistently:
/// `total_pages`, on a full page of `page_size` (else the size asked for),
/// agreeing with `total_results` when there is one. `None` otherwise: the
/// listing goes on one page at a time.
fn known_last_page(meta: &PaginationMeta, returned: usize) -> Option<u64> {
    let total = i128::from(meta.total_pages?);
    let size = i128::from(meta.page_size.unwrap_or(i64::from(PAGE_SIZE)));
    if !(1..=i128::from(PAGE_SIZE)).contains(&size) || returned as i128 != size {
        return None;
    }
    let agrees = meta
        .total_results
        .is_none_or(|r| ((total - 1) * size + 1..=total * size).contains(&i128::from(r)));
    if !agrees {
        return None;
    }
    u64::try_from(total).ok()
}

/// Page `number` of the listing, with `page[size]=250`.
async fn fetch(
    client: &Client,
    segments: &[String],
    query: &[(String, String)],
    number: u64,
) -> Result<Fetched, ApiError> {
    let mut query = query.to_vec();
    query.push(("page[number]".into(), number.to_string()));
    query.push(("page[size]".into(), PAGE_SIZE.to_string()));
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let answer: Answer<ListResponse<Box<RawValue>>> = client
        .request(Method::GET, &segments, &query, None::<&()>, MAX_PAGE_BODY)
        .await?;
    Ok(Fetched {
        items: answer
            .value
            .data
            .into_iter()
            .map(|raw| (item_id(&raw), raw))
            .collect(),
        meta: answer.value.meta,
        rate: answer.rate,
        rate_limited: answer.rate_limited,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(number: i64, size: Option<i64>, pages: i64, results: Option<i64>) -> PaginationMeta {
        PaginationMeta {
            page_number: Some(number),
            page_size: size,
            total_pages: Some(pages),
            total_results: results,
        }
    }

    #[test]
    fn the_last_page_is_known_only_from_a_meta_that_agrees_with_itself() {
        assert_eq!(
            known_last_page(&meta(1, Some(250), 20, Some(5000)), 250),
            Some(20)
        );
        assert_eq!(
            known_last_page(&meta(1, Some(250), 20, Some(4751)), 250),
            Some(20)
        );
        // a server that pages by 100 whatever was asked
        assert_eq!(
            known_last_page(&meta(1, Some(100), 50, Some(5000)), 100),
            Some(50)
        );
        assert_eq!(known_last_page(&meta(1, None, 20, None), 250), Some(20));
        for (m, returned) in [
            // a page that is not the last is full
            (meta(1, Some(250), 1000, Some(250_000)), 2),
            // the count of pages and of results disagree
            (meta(1, Some(250), i64::MAX, Some(i64::MAX)), 250),
            (meta(1, Some(250), 20, Some(50)), 250),
            (meta(1, Some(250), 3, Some(0)), 250),
            // a page size that cannot be
            (meta(1, Some(0), 20, None), 0),
            (meta(1, Some(1000), 20, None), 1000),
        ] {
            assert_eq!(known_last_page(&m, returned), None, "{m:?}");
        }
        let no_pages = PaginationMeta {
            total_pages: None,
            ..meta(1, Some(250), 0, Some(5000))
        };
        assert_eq!(known_last_page(&no_pages, 250), None);
    }
}
