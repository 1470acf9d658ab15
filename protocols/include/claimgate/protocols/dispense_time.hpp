// File: dispense_time.hpp
// The terminal's time of dispense (commit `dispensed_at`) beside the gateway's paid_at, and the
// one rule that picks a paid claim's business time (contracts §6, §11). Written once here
// because the gateway (metric) and reconciliation (business dates, from the export) both use it.
//
// A commit is cash already out: a dispense time that cannot be true is not refused (the terminal
// would only retry and then dispute a payment that happened). It is stored as sent, counted
// (claimgate_dispense_time_implausible_total) and ignored for the business date, which then
// falls back to the gateway's paid_at.
#pragma once

#include <cstdint>
#include <optional>

namespace claimgate::protocols {

/// How far a terminal's clock may be off the gateway's and still be believed: a dispense time
/// more than this ahead of the gateway's clock at the commit (paid_at), or more than this before
/// the hold was made (held_at), is implausible.
inline constexpr std::int64_t kDispenseClockSkewMaxMillis = 5 * 60 * 1000;

/// Whether a terminal's dispense time can be true for a claim held at `held_at` and committed
/// (by the gateway's clock) at `paid_at`.
[[nodiscard]] constexpr bool dispenseTimePlausible(std::int64_t dispensed_at, std::int64_t held_at,
                                                   std::int64_t paid_at) noexcept {
    return dispensed_at >= held_at - kDispenseClockSkewMaxMillis &&
           dispensed_at <= paid_at + kDispenseClockSkewMaxMillis;
}

/// When a paid claim's cash left the terminal, for business dates: the dispense time when it is
/// there and plausible, otherwise the gateway's paid_at.
[[nodiscard]] constexpr std::int64_t paidBusinessTime(
    std::int64_t held_at, std::int64_t paid_at, std::optional<std::int64_t> dispensed_at) noexcept {
    if (dispensed_at && dispenseTimePlausible(*dispensed_at, held_at, paid_at)) {
        return *dispensed_at;
    }
    return paid_at;
}

}  // namespace claimgate::protocols
