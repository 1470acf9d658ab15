// File: payout_page.cpp
#include <claimgate/troad/payout_page.hpp>

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/time_format.hpp>

#include "troad_json.hpp"

namespace claimgate::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

constexpr std::size_t kPayoutIdLengthMax = 64;
constexpr std::size_t kTimestampLengthMax = 40;

Result<Payout> decodePayout(const nlohmann::json& value) {
    if (!value.is_object()) {
        return Status{ErrorCode::bad_field, "payout must be an object"};
    }
    protocols::JsonFields fields(value);
    Payout payout;
    std::string citizen_id;
    std::string channel;
    fields.requireString("citizen_id", 16, citizen_id);
    fields.requireString("channel", 32, channel);
    fields.requireInteger("amount", 0, protocols::kAmountMax, payout.amount);
    fields.requireString("paid_at", kTimestampLengthMax, payout.paid_at);
    fields.requireString("payout_id", kPayoutIdLengthMax, payout.payout_id);
    if (!fields.ok()) {
        return fields.status();
    }
    auto id = protocols::CitizenId::parse(citizen_id);
    if (!id) {
        return Status{
            id.status().code(), "citizen_id: " + id.status().message(), {{"field", "citizen_id"}}};
    }
    payout.citizen_id = id->normalised();
    const auto parsed_channel = protocols::parseChannel(channel);
    if (!parsed_channel || protocols::isTerminalChannel(*parsed_channel)) {
        return Status{ErrorCode::bad_field,
                      "channel must be direct_deposit, registered_deposit or registry",
                      {{"field", "channel"}}};
    }
    payout.channel = *parsed_channel;
    if (!protocols::parseRfc3339Millis(payout.paid_at)) {
        return Status{
            ErrorCode::bad_field, "paid_at must be an RFC 3339 time", {{"field", "paid_at"}}};
    }
    return payout;
}

}  // namespace

std::string PayoutPage::toJson() const {
    nlohmann::json items = nlohmann::json::array();
    for (const Payout& payout : payouts) {
        items.push_back({{"citizen_id", payout.citizen_id},
                         {"channel", std::string(protocols::channelName(payout.channel))},
                         {"amount", payout.amount},
                         {"paid_at", payout.paid_at},
                         {"payout_id", payout.payout_id}});
    }
    return detail::encodePage(program, cursor, next_cursor, done, "payouts", std::move(items));
}

Result<PayoutPage> PayoutPage::fromJson(std::string_view body) {
    return detail::decodePage<PayoutPage>(
        body, "payouts", kPayoutPageEntriesMax, "payout", &PayoutPage::payouts,
        [](const nlohmann::json& item) { return decodePayout(item); });
}

}  // namespace claimgate::troad
