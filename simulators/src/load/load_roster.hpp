// File: load_roster.hpp
// The citizens a load run may use, read once from a roster CSV (contracts §11) into a compact,
// bounded array and split across terminals so that no two terminals ever claim one citizen.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace claimgate::simulators {

struct LoadCitizen {
    std::array<char, 12> citizen_id{};   // NUL-terminated, at most 10 characters
    std::array<char, 13> nhi_card_no{};  // NUL-terminated, empty when the roster has none
    std::int64_t amount = -1;            // -1: the program's amount

    [[nodiscard]] std::string_view id() const { return citizen_id.data(); }
    [[nodiscard]] std::string_view nhi() const { return nhi_card_no.data(); }
};

class LoadRoster {
public:
    /// Reads FILE.csv; rows that only a proxy may claim are skipped (counted in skippedRows()).
    [[nodiscard]] static protocols::Result<LoadRoster> readFile(const std::string& path);

    [[nodiscard]] std::size_t size() const noexcept { return citizens_.size(); }
    [[nodiscard]] std::size_t skippedRows() const noexcept { return skipped_rows_; }
    [[nodiscard]] const LoadCitizen& at(std::size_t index) const { return citizens_.at(index); }

    /// Rows of terminal `terminal` out of `terminals`: every terminals-th row from `terminal`.
    [[nodiscard]] std::vector<const LoadCitizen*> slice(int terminal, int terminals) const;

private:
    std::vector<LoadCitizen> citizens_;
    std::size_t skipped_rows_ = 0;
};

}  // namespace claimgate::simulators
