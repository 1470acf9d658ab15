// File: roster_row_source.hpp
// The rows of a bulk roster load (LedgerStore::loadRosterRows), handed over one at a time.
//
// Why a source and not a span of rows: an importer keeps a national roster (23 million rows)
// in memory in its own compact form, a third of a RosterRow's size, so that it can be sorted
// and written in one sweep. It builds each RosterRow only as the store reads it.
#pragma once

#include <claimgate/ledger/ledger_store.hpp>

#include <cstddef>
#include <span>

namespace claimgate::gateway {

class RosterRowSource {
public:
    virtual ~RosterRowSource() = default;
    /// The next row, or nullptr after the last one. The row stays valid until the next call.
    virtual const RosterRow* next() = 0;
};

/// A source over rows that already exist as RosterRows (one upserted row, tests).
class RosterRowSpan final : public RosterRowSource {
public:
    explicit RosterRowSpan(std::span<const RosterRow> rows) : rows_(rows) {}
    const RosterRow* next() override { return at_ < rows_.size() ? &rows_[at_++] : nullptr; }

private:
    std::span<const RosterRow> rows_;
    std::size_t at_ = 0;
};

}  // namespace claimgate::gateway
