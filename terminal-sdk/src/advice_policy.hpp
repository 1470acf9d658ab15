// File: advice_policy.hpp
// Which gateway answers end an advice (commit, void, reserve reversal) and which mean "try
// again". The rule: an advice describes cash that did or did not leave a device, so it is only
// dropped when the gateway has either accepted it or answered in a way no retry can change.
//
//   2xx                        acknowledged (a replay of an earlier delivery is also 2xx)
//   no answer, 408, 429, 5xx   retry (link, overload, gateway restart)
//   409 claim_in_progress      retry (an earlier delivery of the same key is still running)
//   403 (revoked, mismatch)    retry: the terminal's certificate may be renewed; dropping the
//                              advice would lose the evidence that cash left the device
//   other 4xx                  ended: e.g. 409 invalid_transition (the claim is already final,
//                              voided by an operator or paid), 404 unknown_claim, 422
//                              amount_mismatch. Logged loudly; reconciliation owns it now.
#pragma once

#include "transport.hpp"

#include <string>

namespace claimgate::sdk {

enum class AdviceVerdict { acknowledged, retry, ended };

[[nodiscard]] AdviceVerdict classifyAdviceReply(const HttpReply& reply,
                                                const std::string& error_code) noexcept;

/// The error code of a gateway error envelope ("" when the body is not one).
[[nodiscard]] std::string errorCodeOf(const std::string& body);

/// Capped exponential backoff with jitter for the n-th failed attempt (n >= 1): the cap grows
/// as initial * 2^(n-1) up to kSenderBackoffMaxMilliseconds and the wait is drawn uniformly
/// from [cap/2, cap], so a fleet of terminals that lost the link together does not retry in step.
[[nodiscard]] std::int64_t backoffMilliseconds(std::int64_t attempts, double unit_random) noexcept;

}  // namespace claimgate::sdk
