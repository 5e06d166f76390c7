//! A plugin's slots: at most N calls run at once, and a call that finds
//! none free waits its turn, oldest work first.
//!
//! "Oldest work" is when the work the call belongs to began
//! ([`work_begun`]): a panel section's later calls (its notes after its
//! lookup) go ahead of calls of sections asked for after it began, so a
//! section is not queued twice behind newer ones. Work that says nothing
//! begins when its call asks for a slot, which is plain first come, first
//! served. Nothing starves: every waiter's place is fixed when it starts
//! waiting, and newer work only ever queues behind it.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::oneshot;

tokio::task_local! {
    static BEGUN: Instant;
}

/// Runs `work` with its plugin calls queued as work begun at `at`.
pub async fn work_begun<F: Future>(at: Instant, work: F) -> F::Output {
    BEGUN.scope(at, work).await
}

/// When the current task's work began, if it said ([`work_begun`]).
pub(crate) fn begun() -> Option<Instant> {
    BEGUN.try_with(|at| *at).ok()
}

pub(crate) struct Slots {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
}

struct State {
    free: usize,
    /// Waiters by (work begun, arrival): the first is served first.
    waiting: BTreeMap<(Instant, u64), oneshot::Sender<()>>,
    arrivals: u64,
}

/// A slot held; given to the next waiter, or freed, when dropped.
pub(crate) struct Slot {
    inner: Arc<Inner>,
}

impl Slots {
    pub(crate) fn new(n: usize) -> Slots {
        let state = State { free: n, waiting: BTreeMap::new(), arrivals: 0 };
        Slots { inner: Arc::new(Inner { state: Mutex::new(state) }) }
    }

    /// A free slot, without waiting. None while others wait, so nobody
    /// passes them.
    pub(crate) fn try_take(&self) -> Option<Slot> {
        let mut state = self.inner.lock();
        (state.free > 0).then(|| {
            state.free -= 1;
            Slot { inner: self.inner.clone() }
        })
    }

    /// A slot, waiting in the order of `begun` (then of arrival). Dropping
    /// the future gives up the place, and the slot if it was already given.
    pub(crate) async fn take(&self, begun: Instant) -> Slot {
        let mut place = {
            let mut state = self.inner.lock();
            if state.free > 0 {
                state.free -= 1;
                return Slot { inner: self.inner.clone() };
            }
            let key = (begun, state.arrivals);
            state.arrivals += 1;
            let (given, rx) = oneshot::channel();
            state.waiting.insert(key, given);
            Place { inner: self.inner.clone(), key, rx, taken: false }
        };
        // The sender stays in the map until a slot is sent on it; only
        // `Place::drop` removes it otherwise, after which nobody polls here.
        (&mut place.rx).await.expect("a waiter's sender is kept until its slot is sent");
        place.taken = true;
        Slot { inner: self.inner.clone() }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a count and a map, consistent between statements:
        // a panic elsewhere while it was held leaves it usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// A slot came back: to the first waiter, else free.
    fn hand_on(&mut self) {
        while let Some((_, next)) = self.waiting.pop_first() {
            if next.send(()).is_ok() {
                return;
            }
        }
        self.free += 1;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.inner.lock().hand_on();
    }
}

/// A waiter's place in the queue.
struct Place {
    inner: Arc<Inner>,
    key: (Instant, u64),
    rx: oneshot::Receiver<()>,
    taken: bool,
}

impl Drop for Place {
    fn drop(&mut self) {
        if self.taken {
            return;
        }
        let mut state = self.inner.lock();
        // Still queued: leave. Not queued: a slot was sent that this waiter
        // will never use, so it goes on to the next.
        if state.waiting.remove(&self.key).is_none() {
            state.hand_on();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn now_plus(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[tokio::test]
    async fn no_more_than_n_run_at_once_and_a_freed_slot_is_taken_again() {
        let slots = Slots::new(2);
        let a = slots.try_take().expect("first of two");
        let _b = slots.try_take().expect("second of two");
        assert!(slots.try_take().is_none(), "a third call must wait");
        drop(a);
        assert!(slots.try_take().is_some(), "the freed slot is taken again");
    }

    #[tokio::test]
    async fn waiters_are_served_oldest_work_first_then_in_arrival_order() {
        let slots = Arc::new(Slots::new(1));
        let held = slots.try_take().unwrap();
        let (order_tx, mut order) = tokio::sync::mpsc::unbounded_channel();
        let base = Instant::now();
        // Asked for in this order; work begun at these offsets.
        let mut tasks = Vec::new();
        for (name, begun_ms) in [("new", 30u64), ("oldest", 0), ("middle-1", 10), ("middle-2", 10)] {
            let (waiter, order_tx) = (slots.clone(), order_tx.clone());
            tasks.push(tokio::spawn(async move {
                let slot = waiter.take(base + Duration::from_millis(begun_ms)).await;
                order_tx.send(name).unwrap();
                drop(slot);
            }));
            // Each is queued before the next asks.
            while slots.inner.lock().waiting.len() < tasks.len() {
                tokio::task::yield_now().await;
            }
        }
        assert!(slots.try_take().is_none(), "nobody passes the waiters");
        drop(held);
        for task in tasks {
            task.await.unwrap();
        }
        let served: Vec<_> = std::iter::from_fn(|| order.try_recv().ok()).collect();
        assert_eq!(served, ["oldest", "middle-1", "middle-2", "new"]);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_loses_its_place_and_no_slot() {
        let slots = Slots::new(1);
        let held = slots.try_take().unwrap();
        let gave_up = tokio::time::timeout(Duration::from_millis(20), slots.take(now_plus(0))).await;
        assert!(gave_up.is_err(), "no slot was free");
        assert!(slots.inner.lock().waiting.is_empty(), "the place is left");
        drop(held);
        assert!(slots.try_take().is_some(), "the slot came back");
    }

    #[tokio::test]
    async fn a_slot_sent_to_a_waiter_that_is_dropped_goes_on_to_the_next() {
        let slots = Arc::new(Slots::new(1));
        let held = slots.try_take().unwrap();
        let mut first = Box::pin(slots.take(now_plus(0)));
        // Poll once so the first is queued.
        assert!(futures_poll_once(first.as_mut()).await.is_none());
        let second = tokio::spawn({
            let slots = slots.clone();
            async move { slots.take(now_plus(50)).await }
        });
        while slots.inner.lock().waiting.len() < 2 {
            tokio::task::yield_now().await;
        }
        // The slot is sent to the first, which is dropped before it runs.
        drop(held);
        drop(first);
        let slot = tokio::time::timeout(Duration::from_secs(5), second).await.expect("the second is served").unwrap();
        assert!(slots.try_take().is_none(), "one slot, held by the second");
        drop(slot);
        assert!(slots.try_take().is_some());
    }

    #[tokio::test]
    async fn work_begun_is_seen_by_calls_in_the_same_task() {
        let at = now_plus(5);
        assert_eq!(begun(), None);
        assert_eq!(work_begun(at, async { begun() }).await, Some(at));
    }

    /// Polls a future once: its output if it was ready.
    async fn futures_poll_once<F: Future + Unpin>(mut f: F) -> Option<F::Output> {
        std::future::poll_fn(|cx| match std::pin::Pin::new(&mut f).poll(cx) {
            std::task::Poll::Ready(v) => std::task::Poll::Ready(Some(v)),
            std::task::Poll::Pending => std::task::Poll::Ready(None),
        })
        .await
    }
}
