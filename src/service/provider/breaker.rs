//! A circuit breaker for the CRM: after `threshold` consecutive failures the circuit opens
//! and calls are refused without reaching the CRM; after `cooldown` one trial call is let
//! through (half-open) while the others are still refused; its success closes the circuit,
//! its failure opens it for another cool-down. Time is passed in, so the rules are tested
//! without waiting.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// The cool-down is over and one trial call is out (since then; a trial that never
    /// reported, its task dropped, is replaced after another cool-down).
    HalfOpen {
        since: Instant,
    },
}

/// Whether a call may go out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permit {
    Call,
    /// The circuit is open (or a trial call is already out): do not call.
    Refused,
}

pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self { threshold: threshold.max(1), cooldown, state: Mutex::new(State::Closed { failures: 0 }) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        // A poisoned lock only means another call panicked mid-update: the state is still one
        // of the three, so keep using it.
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut state)
    }

    /// Ask before a call.
    pub fn permit(&self, now: Instant) -> Permit {
        self.with(|state| match *state {
            State::Closed { .. } => Permit::Call,
            State::Open { until } if now >= until => {
                *state = State::HalfOpen { since: now };
                Permit::Call
            }
            State::HalfOpen { since } if now >= since + self.cooldown => {
                *state = State::HalfOpen { since: now };
                Permit::Call
            }
            State::Open { .. } | State::HalfOpen { .. } => Permit::Refused,
        })
    }

    /// The CRM answered within the contract (a 404 too).
    pub fn succeeded(&self) {
        self.with(|state| *state = State::Closed { failures: 0 });
    }

    /// The call failed (timeout, unreachable, 5xx, an answer that breaks the contract).
    pub fn failed(&self, now: Instant) {
        let (threshold, cooldown) = (self.threshold, self.cooldown);
        self.with(|state| {
            *state = match *state {
                State::Closed { failures } if failures + 1 < threshold => State::Closed { failures: failures + 1 },
                State::Closed { .. } | State::HalfOpen { .. } => State::Open { until: now + cooldown },
                // A call let through before the circuit opened failed late: keep the cool-down.
                open @ State::Open { .. } => open,
            }
        });
    }

    /// Whether the circuit is not closed: open (cooling down, or cooled down and waiting for
    /// a call to try), or half-open with its trial out. For `/metrics` and tests.
    pub fn is_open(&self) -> bool {
        self.with(|state| !matches!(*state, State::Closed { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_after_the_threshold_of_consecutive_failures_and_a_success_resets_the_count() {
        let b = Breaker::new(3, Duration::from_secs(10));
        let t = Instant::now();
        b.failed(t);
        b.failed(t);
        b.succeeded();
        b.failed(t);
        b.failed(t);
        assert_eq!(b.permit(t), Permit::Call, "two failures since the success");
        b.failed(t);
        assert_eq!(b.permit(t), Permit::Refused, "three in a row open it");
        assert!(b.is_open());
    }

    #[test]
    fn after_the_cool_down_one_trial_call_goes_out_and_decides() {
        let b = Breaker::new(1, Duration::from_secs(10));
        let t = Instant::now();
        b.failed(t);
        assert_eq!(b.permit(t + Duration::from_secs(9)), Permit::Refused);
        let later = t + Duration::from_secs(10);
        assert_eq!(b.permit(later), Permit::Call, "the trial");
        assert_eq!(b.permit(later), Permit::Refused, "one trial at a time");
        b.failed(later);
        assert_eq!(b.permit(later + Duration::from_secs(9)), Permit::Refused, "a failed trial opens it again");
        let again = later + Duration::from_secs(10);
        assert_eq!(b.permit(again), Permit::Call);
        b.succeeded();
        assert_eq!(b.permit(again), Permit::Call);
        assert_eq!(b.permit(again), Permit::Call, "closed: every call goes out");
        assert!(!b.is_open());
    }
}
