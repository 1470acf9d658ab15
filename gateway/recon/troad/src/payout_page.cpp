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
        return Status{id.status().code(), "citizen_id: " + id.status().message(),
                      {{"field", "citizen_id"}}};
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
        return Status{ErrorCode::bad_field, "paid_at must be an RFC 3339 time",
                      {{"field", "paid_at"}}};
    }
    return payout;
}

}  // namespace

Result<PayoutPage> PayoutPage::fromJson(std::string_view body) {
    auto parsed = protocols::parseJsonObject(body);
    if (!parsed) {
        return parsed.status();
    }
    const auto& object = parsed.value();
    PayoutPage page;
    protocols::JsonFields fields(object);
    fields.requireString("program", protocols::kProgramIdLengthMax, page.program);
    if (!fields.ok()) {
        return fields.status();
    }
    for (auto status : {detail::readCursor(object, "cursor", page.cursor),
                        detail::readCursor(object, "next_cursor", page.next_cursor),
                        detail::readBool(object, "done", page.done)}) {
        if (!status.ok()) {
            return status;
        }
    }
    if (!object.contains("payouts") || !object.at("payouts").is_array()) {
        return Status{ErrorCode::missing_field, "payouts must be an array", {{"field", "payouts"}}};
    }
    const nlohmann::json& payouts = object.at("payouts");
    if (payouts.size() > kPayoutPageEntriesMax) {
        return Status{ErrorCode::body_too_large,
                      "payout page has more than " + std::to_string(kPayoutPageEntriesMax) +
                          " payouts"};
    }
    if (!page.done && page.next_cursor.empty()) {
        return Status{ErrorCode::bad_field, "a page that is not done needs a next_cursor",
                      {{"field", "next_cursor"}}};
    }
    page.payouts.reserve(payouts.size());
    for (std::size_t i = 0; i < payouts.size(); ++i) {
        auto payout = decodePayout(payouts[i]);
        if (!payout) {
            return detail::atIndex(payout.status(), "payouts", i);
        }
        page.payouts.push_back(std::move(payout).value());
    }
    return page;
}

}  // namespace claimgate::troad
