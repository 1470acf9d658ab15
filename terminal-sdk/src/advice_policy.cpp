// File: advice_policy.cpp
#include "advice_policy.hpp"

#include "sdk_limits.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

namespace claimgate::sdk {

AdviceVerdict classifyAdviceReply(const HttpReply& reply, const std::string& error_code) noexcept {
    const int status = reply.status;
    if (status == 0) {
        return AdviceVerdict::retry;
    }
    if (status >= 200 && status < 300) {
        return AdviceVerdict::acknowledged;
    }
    if (status == 408 || status == 429 || status >= 500 || status == 403) {
        return AdviceVerdict::retry;
    }
    if (status == 409 && error_code == "claim_in_progress") {
        return AdviceVerdict::retry;
    }
    if (status >= 400 && status < 500) {
        return AdviceVerdict::ended;
    }
    return AdviceVerdict::retry;  // 1xx / 3xx: not a gateway answer we know; keep the advice
}

std::string errorCodeOf(const std::string& body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return {};
    }
    const auto error = json.find("error");
    if (error == json.end() || !error->is_object()) {
        return {};
    }
    const auto code = error->find("code");
    return code != error->end() && code->is_string() ? code->get<std::string>() : std::string();
}

std::int64_t backoffMilliseconds(std::int64_t attempts, double unit_random) noexcept {
    std::int64_t cap = kSenderBackoffInitialMilliseconds;
    for (std::int64_t i = 1; i < attempts && cap < kSenderBackoffMaxMilliseconds; ++i) {
        cap *= 2;
    }
    cap = std::min<std::int64_t>(cap, kSenderBackoffMaxMilliseconds);
    const double fraction = 0.5 + 0.5 * std::clamp(unit_random, 0.0, 1.0);
    return std::max<std::int64_t>(1,
                                  static_cast<std::int64_t>(static_cast<double>(cap) * fraction));
}

}  // namespace claimgate::sdk
