// File: roster_page.cpp
#include <claimgate/troad/roster_page.hpp>

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/json_fields.hpp>
#include <claimgate/protocols/limits.hpp>

#include "troad_json.hpp"

namespace claimgate::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

std::string_view rosterOpName(RosterOp op) noexcept {
    switch (op) {
        case RosterOp::add:
            return "add";
        case RosterOp::update:
            return "update";
        case RosterOp::remove:
            return "remove";
    }
    return "add";
}

namespace {

Result<RosterEntry> decodeEntry(const nlohmann::json& value) {
    if (!value.is_object()) {
        return Status{ErrorCode::bad_field, "entry must be an object"};
    }
    protocols::JsonFields fields(value);
    RosterEntry entry;
    std::string op;
    std::string citizen_id;
    std::optional<std::string> nhi;
    std::optional<std::string> claim_by;
    std::optional<std::string> excluded;
    fields.requireString("op", 16, op);
    fields.requireString("citizen_id", 16, citizen_id);
    fields.optionalString("nhi_card_no", 16, nhi);
    fields.optionalInteger("amount", 0, protocols::kAmountMax, entry.amount);
    fields.optionalString("claim_by", 16, claim_by);
    fields.optionalString("excluded", protocols::kReasonLengthMax, excluded);
    if (!fields.ok()) {
        return fields.status();
    }
    if (op == "add") {
        entry.op = RosterOp::add;
    } else if (op == "update") {
        entry.op = RosterOp::update;
    } else if (op == "remove") {
        entry.op = RosterOp::remove;
    } else {
        return Status{ErrorCode::bad_field, "op must be add, update or remove", {{"field", "op"}}};
    }
    auto id = protocols::CitizenId::parse(citizen_id);
    if (!id) {
        return Status{
            id.status().code(), "citizen_id: " + id.status().message(), {{"field", "citizen_id"}}};
    }
    entry.citizen_id = id->normalised();
    if (nhi && !nhi->empty()) {
        if (auto status = protocols::validateNhiCardNumber(*nhi); !status.ok()) {
            return status;
        }
        entry.nhi_card_no = *nhi;
    }
    if (claim_by) {
        entry.claim_by = protocols::parseClaimBy(*claim_by);
        if (!entry.claim_by) {
            return Status{ErrorCode::bad_field,
                          "claim_by must be self, proxy or either",
                          {{"field", "claim_by"}}};
        }
    }
    entry.excluded = std::move(excluded);
    if (value.contains("proxies") && !value.at("proxies").is_null()) {
        const nlohmann::json& proxies = value.at("proxies");
        if (!proxies.is_array() || proxies.size() > protocols::kProxiesPerCitizenMax) {
            return Status{ErrorCode::bad_field,
                          "proxies must be an array of at most " +
                              std::to_string(protocols::kProxiesPerCitizenMax) + " IDs",
                          {{"field", "proxies"}}};
        }
        for (const nlohmann::json& proxy : proxies.get_ref<const nlohmann::json::array_t&>()) {
            auto proxy_id = proxy.is_string()
                                ? protocols::CitizenId::parse(proxy.get<std::string>())
                                : Result<protocols::CitizenId>(
                                      Status{ErrorCode::invalid_citizen_id, "not a string"});
            if (!proxy_id) {
                return Status{ErrorCode::invalid_citizen_id,
                              "proxies: " + proxy_id.status().message(),
                              {{"field", "proxies"}}};
            }
            entry.proxies.push_back(proxy_id->normalised());
        }
    }
    return entry;
}

nlohmann::json encodeEntry(const RosterEntry& entry) {
    nlohmann::json json = {{"op", std::string(rosterOpName(entry.op))},
                           {"citizen_id", entry.citizen_id}};
    if (entry.op == RosterOp::remove) {
        return json;
    }
    json["nhi_card_no"] =
        entry.nhi_card_no.empty() ? nlohmann::json() : nlohmann::json(entry.nhi_card_no);
    json["amount"] = entry.amount ? nlohmann::json(*entry.amount) : nlohmann::json();
    json["proxies"] = entry.proxies;
    if (entry.claim_by) {
        json["claim_by"] = std::string(protocols::claimByName(*entry.claim_by));
    }
    if (entry.excluded) {
        json["excluded"] = *entry.excluded;
    }
    return json;
}

}  // namespace

std::string RosterPage::toJson() const {
    nlohmann::json items = nlohmann::json::array();
    for (const RosterEntry& entry : entries) {
        items.push_back(encodeEntry(entry));
    }
    return detail::encodePage(program, cursor, next_cursor, done, "entries", std::move(items));
}

Result<RosterPage> RosterPage::fromJson(std::string_view body) {
    return detail::decodePage<RosterPage>(
        body, "entries", kRosterPageEntriesMax, "roster", &RosterPage::entries,
        [](const nlohmann::json& item) { return decodeEntry(item); });
}

}  // namespace claimgate::troad
