// File: payout_page.hpp
// One page of payouts the platform made through other channels (GET .../payouts/{program}),
// imported so that terminals refuse those citizens:
//
//   {"program": "CASH2023", "cursor": "", "next_cursor": "2", "done": true,
//    "payouts": [{"citizen_id": "A123456789", "channel": "direct_deposit", "amount": 6000,
//                 "paid_at": "2023-04-10T09:00:00+08:00", "payout_id": "DD-0001"}]}
#pragma once

#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/status.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::troad {

struct Payout {
    std::string citizen_id;  // normalised, checksum verified
    protocols::Channel channel = protocols::Channel::direct_deposit;
    std::int64_t amount = 0;
    std::string paid_at;  // RFC 3339 as sent (validated)
    std::string payout_id;
};

struct PayoutPage {
    std::string program;
    std::string cursor;
    std::string next_cursor;
    bool done = false;
    std::vector<Payout> payouts;

    /// Errors: malformed_json, missing_field, bad_field (channel not a platform channel, bad
    /// time, amount out of range), invalid_citizen_id.
    static protocols::Result<PayoutPage> fromJson(std::string_view body);
    /// The page as the platform sends it (the T-Road simulator serves this).
    [[nodiscard]] std::string toJson() const;
};

}  // namespace claimgate::troad
