// File: platform_data.cpp
#include "troad/platform_data.hpp"

#include "troad/troad_sim_limits.hpp"

#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/domain.hpp>
#include <claimgate/protocols/limits.hpp>
#include <claimgate/protocols/program.hpp>
#include <claimgate/protocols/roster_csv_reader.hpp>
#include <claimgate/protocols/time_format.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <random>
#include <set>

namespace claimgate::simulators::troad {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

claimgate::troad::RosterEntry RosterRow::toEntry() const {
    claimgate::troad::RosterEntry entry;
    entry.op = op == "remove"   ? claimgate::troad::RosterOp::remove
               : op == "update" ? claimgate::troad::RosterOp::update
                                : claimgate::troad::RosterOp::add;
    entry.citizen_id = citizen_id;
    entry.nhi_card_no = nhi_card_no;
    entry.amount = amount;
    entry.proxies = proxies;
    entry.claim_by = protocols::parseClaimBy(claim_by);
    if (!excluded.empty()) {
        entry.excluded = excluded;
    }
    return entry;
}

claimgate::troad::Payout PayoutRow::toPayout() const {
    claimgate::troad::Payout payout;
    payout.citizen_id = citizen_id;
    payout.channel = protocols::parseChannel(channel).value_or(protocols::Channel::direct_deposit);
    payout.amount = amount;
    payout.paid_at = paid_at;
    payout.payout_id = payout_id;
    return payout;
}

bool PlatformData::hasProgram(const std::string& id) const {
    return std::find(program_ids.begin(), program_ids.end(), id) != program_ids.end();
}

namespace {

/// Splits one CSV line; double quotes may wrap a field ("" inside is a quote).
std::vector<std::string> splitCsv(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back().push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back().push_back(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else if (c != '\r') {
            fields.back().push_back(c);
        }
    }
    return fields;
}

/// Reads a CSV file with the exact header given; calls row(fields, line_number) per data row.
template <typename RowFn>
Status readCsv(const std::string& path, const std::vector<std::string>& header, RowFn row) {
    std::ifstream in(path);
    if (!in) {
        return {ErrorCode::bad_field, "cannot read " + path};
    }
    std::string line;
    std::size_t line_number = 0;
    std::size_t rows = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.size() > kCsvLineBytesMax) {
            return {ErrorCode::bad_field,
                    path + ":" + std::to_string(line_number) + ": line too long"};
        }
        if (line_number == 1) {
            if (line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) {
                line.erase(0, 3);  // UTF-8 byte order mark
            }
            if (splitCsv(line) != header) {
                std::string expected;
                for (const auto& name : header) {
                    expected += (expected.empty() ? "" : ",") + name;
                }
                return {ErrorCode::bad_field, path + ": header must be " + expected};
            }
            continue;
        }
        if (line.empty() || line == "\r") {
            continue;
        }
        if (++rows > kCsvRowsMax) {
            return {ErrorCode::bad_field,
                    path + ": more than " + std::to_string(kCsvRowsMax) + " rows"};
        }
        auto fields = splitCsv(line);
        if (fields.size() != header.size()) {
            return {ErrorCode::bad_field, path + ":" + std::to_string(line_number) + ": expected " +
                                              std::to_string(header.size()) + " fields"};
        }
        if (auto status = row(fields, line_number); !status.ok()) {
            return {status.code(),
                    path + ":" + std::to_string(line_number) + ": " + status.message()};
        }
    }
    if (line_number == 0) {
        return {ErrorCode::bad_field, path + ": empty file (no header)"};
    }
    return Status::okStatus();
}

Status parseId(const std::string& text, std::string& out) {
    auto id = protocols::CitizenId::parse(text);
    if (!id) {
        return {ErrorCode::invalid_citizen_id, id.status().message()};
    }
    out = id->normalised();
    return Status::okStatus();
}

Status parseAmount(const std::string& text, std::optional<std::int64_t>& out) {
    if (text.empty()) {
        out.reset();
        return Status::okStatus();
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0 ||
        value > protocols::kAmountMax) {
        return {ErrorCode::bad_field,
                "amount must be an integer in 0.." + std::to_string(protocols::kAmountMax)};
    }
    out = value;
    return Status::okStatus();
}

/// A platform roster row from a row of the shared roster CSV codec.
RosterRow platformRow(std::string op, const protocols::RosterCsvRow& csv_row) {
    RosterRow row;
    row.op = std::move(op);
    row.citizen_id = csv_row.citizen_id;
    row.nhi_card_no = csv_row.nhi_card_no;
    if (csv_row.amount > 0) row.amount = csv_row.amount;
    row.proxies = csv_row.proxies;
    row.claim_by = std::string(protocols::claimByName(csv_row.effectiveClaimBy()));
    row.excluded = csv_row.exclusion().value_or("");
    return row;
}

/// Appends every row of a roster file (with `leading_column` "op": a roster change file).
Status readRosterFile(const std::string& path, std::string_view leading_column,
                      std::vector<RosterRow>& stream) {
    auto reader = protocols::RosterCsvReader::open(path, leading_column);
    if (!reader) return reader.status();
    protocols::RosterCsvRow csv_row;
    std::size_t rows = 0;
    for (;;) {
        auto more = reader.value().next(csv_row);
        if (!more) return more.status();
        if (!*more) return Status::okStatus();
        if (++rows > kCsvRowsMax) {
            return {ErrorCode::bad_field,
                    path + ": more than " + std::to_string(kCsvRowsMax) + " rows"};
        }
        std::string op = leading_column.empty() ? "add" : reader->leadingValue();
        if (op != "update" && op != "remove" && op != "add") {
            return {ErrorCode::bad_field, path + ": op must be add, update or remove"};
        }
        stream.push_back(platformRow(std::move(op), csv_row));
    }
}

Status loadPrograms(const TroadOptions& options, PlatformData& data) {
    for (const auto& path : options.program_files) {
        std::ifstream in(path);
        if (!in) {
            return {ErrorCode::bad_field, "cannot read program file " + path};
        }
        const auto json = nlohmann::json::parse(in, nullptr, false);
        if (json.is_discarded()) {
            return {ErrorCode::malformed_json, path + ": not valid JSON"};
        }
        const auto list = json.is_array() ? json : nlohmann::json::array({json});
        for (const auto& object : list) {
            auto program = protocols::Program::fromJsonValue(object);
            if (!program) {
                return {program.status().code(), path + ": " + program.status().message()};
            }
            if (data.hasProgram(program->id)) {
                return {ErrorCode::bad_field, path + ": program " + program->id + " given twice"};
            }
            if (data.program_ids.size() >= kProgramsMax) {
                return {ErrorCode::bad_field,
                        "more than " + std::to_string(kProgramsMax) + " programs"};
            }
            data.program_ids.push_back(program->id);
            data.programs.push_back(object);
        }
    }
    return Status::okStatus();
}

Status resolveProgram(const PlatformData& data, const std::string& requested, std::string& out) {
    out = requested.empty() ? data.program_ids.front() : requested;
    if (!data.hasProgram(out)) {
        return {ErrorCode::unknown_program, "no program file defines " + out};
    }
    return Status::okStatus();
}

/// Seeded updates and removals of `count` distinct citizens, appended after the adds.
void appendChurn(std::vector<RosterRow>& stream, std::size_t count, std::uint64_t seed,
                 std::int64_t program_amount) {
    const std::size_t adds = stream.size();
    count = std::min(count, adds);
    std::mt19937_64 rng(seed);
    std::vector<std::size_t> indices(adds);
    for (std::size_t i = 0; i < adds; ++i) {
        indices[i] = i;
    }
    // Partial Fisher-Yates: the first `count` indices are a seeded sample without repeats.
    for (std::size_t i = 0; i < count; ++i) {
        std::uniform_int_distribution<std::size_t> pick(i, adds - 1);
        std::swap(indices[i], indices[pick(rng)]);
    }
    for (std::size_t i = 0; i < count; ++i) {
        RosterRow row = stream[indices[i]];
        if (rng() % 2 == 0) {
            row.op = "update";
            row.amount = row.amount.value_or(program_amount) + 500;
        } else {
            row = RosterRow{"remove", row.citizen_id, {}, {}, {}, {}, {}};
        }
        stream.push_back(std::move(row));
    }
}

}  // namespace

Result<PlatformData> PlatformData::load(const TroadOptions& options) {
    PlatformData data;
    if (auto status = loadPrograms(options, data); !status.ok()) {
        return status;
    }
    for (const auto& id : data.program_ids) {
        data.rosters[id];
        data.payouts[id];
    }
    std::string first_roster_program = data.program_ids.front();
    for (std::size_t r = 0; r < options.rosters.size(); ++r) {
        const auto& [requested, path] = options.rosters[r];
        std::string program;
        if (auto status = resolveProgram(data, requested, program); !status.ok()) {
            return status;
        }
        if (r == 0) {
            first_roster_program = program;
        }
        if (auto status = readRosterFile(path, {}, data.rosters[program]); !status.ok()) {
            return status;
        }
    }

    if (!options.payouts_file.empty()) {
        auto& payouts = data.payouts[first_roster_program];
        auto status = readCsv(
            options.payouts_file, {"citizen_id", "channel", "amount", "paid_at", "payout_id"},
            [&](const std::vector<std::string>& fields, std::size_t) -> Status {
                PayoutRow row;
                if (auto id = parseId(fields[0], row.citizen_id); !id.ok()) {
                    return id;
                }
                const auto channel = protocols::parseChannel(fields[1]);
                if (!channel || protocols::isTerminalChannel(*channel)) {
                    return {ErrorCode::bad_field,
                            "channel must be direct_deposit, registered_deposit or registry"};
                }
                row.channel = fields[1];
                std::optional<std::int64_t> amount;
                if (auto parsed = parseAmount(fields[2], amount); !parsed.ok() || !amount) {
                    return {ErrorCode::bad_field, "amount is required"};
                }
                row.amount = *amount;
                if (!protocols::parseRfc3339Millis(fields[3])) {
                    return {ErrorCode::bad_field, "paid_at must be RFC 3339"};
                }
                row.paid_at = fields[3];
                if (fields[4].empty() || fields[4].size() > 64) {
                    return {ErrorCode::bad_field, "payout_id must be 1..64 characters"};
                }
                row.payout_id = fields[4];
                payouts.push_back(std::move(row));
                return Status::okStatus();
            });
        if (!status.ok()) {
            return status;
        }
        // The platform excludes from the roster whoever it already paid another way.
        std::map<std::string, std::string> paid;
        for (const auto& payout : payouts) {
            paid.emplace(payout.citizen_id, payout.channel);
        }
        for (auto& row : data.rosters[first_roster_program]) {
            if (auto it = paid.find(row.citizen_id); it != paid.end()) {
                row.excluded = "paid_by_" + it->second;
            }
        }
    }

    if (!options.roster_updates_file.empty()) {
        auto status =
            readRosterFile(options.roster_updates_file, "op", data.rosters[first_roster_program]);
        if (!status.ok()) {
            return status;
        }
    }

    if (options.churn > 0) {
        for (std::size_t p = 0; p < data.program_ids.size(); ++p) {
            const auto& id = data.program_ids[p];
            const auto amount = data.programs[p].value("amount", std::int64_t{0});
            appendChurn(data.rosters[id], options.churn, options.seed + p, amount);
        }
    }
    return data;
}

}  // namespace claimgate::simulators::troad
