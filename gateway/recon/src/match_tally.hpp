// File: match_tally.hpp
// Counts and amounts per (operator, channel, category) while matching, folded into the
// MatchSummary's totals, by_channel and by_operator at the end. Operators are interned to small
// ids so the per-claim state stays 40 bytes.
#pragma once

#include <claimgate/protocols/domain.hpp>
#include <claimgate/recon/category.hpp>
#include <claimgate/recon/claim_index.hpp>
#include <claimgate/recon/match_summary.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace claimgate::recon {

/// Not thread-safe.
class MatchTally {
public:
    /// The channel slot of rows for claims the ledger does not know ("unknown" in reports).
    static constexpr std::uint8_t kUnknownChannel = protocols::kChannelCount;

    void add(Category category, std::uint8_t channel_slot, std::uint16_t operator_id,
             std::int64_t amount) {
        Tally& cell =
            cells_[(std::size_t{operator_id} * kChannelSlots + channel_slot) * kCategoryCount +
                   static_cast<std::size_t>(category)];
        ++cell.count;
        cell.amount += amount;
    }

    void addLedgerPaid(std::uint16_t operator_id, std::int64_t amount) {
        Tally& paid = ledger_paid_[operator_id];
        ++paid.count;
        paid.amount += amount;
    }
    /// Notes a ledger line's program (distinct ones up to kProgramsListedMax are kept).
    void noteProgram(std::string_view program) {
        if (program != last_program_) {
            noteNewProgram(program);
        }
    }
    /// Notes the date part of a ledger held_at / settlement paid_at (RFC 3339).
    void noteBusinessTime(std::string_view time) { widen(business_dates_, time); }
    void noteSettlementTime(std::string_view time) { widen(settlement_dates_, time); }

    /// Interned id of an operator name; nullopt past kOperatorsMax.
    [[nodiscard]] std::optional<std::uint16_t> internOperator(std::string_view name);
    [[nodiscard]] const std::string& operatorName(std::uint16_t id) const { return operators_[id]; }

    /// Fills totals, by_channel, by_operator, money_by_operator, programs and the date ranges
    /// of `summary` (malformed: bad_line_count).
    void fold(MatchSummary& summary) const;

private:
    static constexpr std::size_t kChannelSlots = protocols::kChannelCount + 1;

    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept {
            return static_cast<std::size_t>(ClaimIndex::hash(text));
        }
    };

    static void widen(DateRange& range, std::string_view time) {
        constexpr std::size_t kDateLength = 10;  // YYYY-MM-DD
        if (time.size() < kDateLength || time[4] != '-' || time[7] != '-') {
            return;
        }
        const std::string_view date = time.substr(0, kDateLength);
        if (range.first.empty() || date < range.first) {
            range.first = date;
        }
        if (range.last.empty() || date > range.last) {
            range.last = date;
        }
    }
    void noteNewProgram(std::string_view program);

    std::vector<std::string> operators_;
    std::vector<Tally> ledger_paid_;  ///< by operator id
    std::string last_program_;
    std::vector<std::string> programs_;
    DateRange business_dates_;
    DateRange settlement_dates_;
    std::unordered_map<std::string, std::uint16_t, NameHash, std::equal_to<>> operator_ids_;
    std::vector<Tally> cells_;
};

}  // namespace claimgate::recon
