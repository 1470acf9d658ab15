#include "match_tally.hpp"

#include <claimgate/recon/limits.hpp>

#include <algorithm>
#include <map>

namespace claimgate::recon {

std::optional<std::uint16_t> MatchTally::internOperator(std::string_view name) {
    const auto found = operator_ids_.find(name);
    if (found != operator_ids_.end()) {
        return found->second;
    }
    if (operators_.size() >= kOperatorsMax) {
        return std::nullopt;
    }
    const auto id = static_cast<std::uint16_t>(operators_.size());
    operators_.emplace_back(name);
    operator_ids_.emplace(std::string(name), id);
    cells_.resize(operators_.size() * kChannelSlots * kCategoryCount);
    ledger_paid_.resize(operators_.size());
    return id;
}

void MatchTally::noteNewProgram(std::string_view program) {
    last_program_ = program;
    if (programs_.size() < kProgramsListedMax &&
        std::find(programs_.begin(), programs_.end(), program) == programs_.end()) {
        programs_.emplace_back(program);
    }
}

void MatchTally::fold(MatchSummary& summary) const {
    summary.totals = {};
    std::map<std::string, CategoryTallies> by_channel;
    std::map<std::string, CategoryTallies> by_operator;
    for (std::size_t op = 0; op < operators_.size(); ++op) {
        for (std::size_t slot = 0; slot < kChannelSlots; ++slot) {
            const std::string channel_name =
                slot == kUnknownChannel
                    ? std::string("unknown")
                    : std::string(protocols::channelName(static_cast<protocols::Channel>(slot)));
            for (std::size_t category = 0; category < kCategoryCount; ++category) {
                const Tally& cell = cells_[(op * kChannelSlots + slot) * kCategoryCount + category];
                if (cell.count == 0) {
                    continue;
                }
                for (Tally* target :
                     {&summary.totals[category], &by_channel[channel_name][category],
                      &by_operator[operators_[op]][category]}) {
                    target->count += cell.count;
                    target->amount += cell.amount;
                }
            }
        }
    }
    summary.totals[static_cast<std::size_t>(Category::malformed)].count = summary.bad_line_count;
    summary.by_channel.assign(by_channel.begin(), by_channel.end());
    summary.by_operator.assign(by_operator.begin(), by_operator.end());

    std::map<std::string, OperatorMoney> money;
    for (std::size_t op = 0; op < operators_.size(); ++op) {
        OperatorMoney& entry = money[operators_[op]];
        entry.ledger_paid = ledger_paid_[op];
    }
    for (const auto& [name, tallies] : by_operator) {
        OperatorMoney& entry = money[name];
        for (std::size_t c = 0; c < kCategoryCount; ++c) {
            const auto category = static_cast<Category>(c);
            if (carriesSettlementRow(category)) {
                entry.settled.count += tallies[c].count;
                entry.settled.amount += tallies[c].amount;
            }
            if (isException(category) && category != Category::malformed) {
                entry.exceptions += tallies[c].count;
            }
        }
        entry.reimburse = tallies[static_cast<std::size_t>(Category::matched)];
    }
    summary.money_by_operator.assign(money.begin(), money.end());
    summary.programs = programs_;
    std::sort(summary.programs.begin(), summary.programs.end());
    summary.business_dates = business_dates_;
    summary.settlement_dates = settlement_dates_;
}

}  // namespace claimgate::recon
