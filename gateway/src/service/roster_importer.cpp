#include <claimgate/gateway/roster_importer.hpp>

#include <claimgate/gateway/limits.hpp>
#include <claimgate/protocols/citizen_id.hpp>
#include <claimgate/protocols/digest.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr const char* kRosterHeader = "citizen_id,nhi_card_no,amount,proxies,claim_by";
constexpr std::size_t kRosterLineBytesMax = 1024;
constexpr std::size_t kProblemsKeptMax = 20;

struct FileCloser {
    void operator()(FILE* file) const { std::fclose(file); }
};

std::vector<std::string_view> splitFields(std::string_view line, char separator) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    for (;;) {
        const auto end = line.find(separator, start);
        fields.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return fields;
}

}  // namespace

RosterRow buildRosterRow(const std::string& pepper, const RosterEntryFields& fields) {
    RosterRow row;
    row.program = std::string(fields.program);
    row.citizen_key = protocols::hmacSha256(pepper, fields.citizen_id);
    if (!fields.nhi_card_no.empty()) {
        row.nhi_hash = protocols::hmacSha256(pepper, "nhi:" + std::string(fields.nhi_card_no));
    }
    row.amount = fields.amount;
    if (fields.proxies != nullptr) {
        row.proxies.reserve(fields.proxies->size());
        for (const auto& proxy : *fields.proxies) {
            row.proxies.push_back(protocols::hmacSha256(pepper, proxy));
        }
    }
    row.claim_by = fields.claim_by.value_or(row.proxies.empty() ? protocols::ClaimBy::self
                                                                : protocols::ClaimBy::either);
    row.excluded = fields.excluded;
    return row;
}

protocols::Result<RosterImportSummary> RosterImporter::importFile(const std::string& program_id,
                                                                  const std::string& csv_path,
                                                                  const Progress& progress) {
    bool program_known = false;
    for (const auto& program : store_.loadPrograms()) program_known |= program.id == program_id;
    if (!program_known) {
        return Status(ErrorCode::unknown_program,
                      "program " + program_id + " is not defined: run `program put` first");
    }
    std::unique_ptr<FILE, FileCloser> file(std::fopen(csv_path.c_str(), "rb"));
    if (!file) return Status(ErrorCode::internal, "cannot open " + csv_path);
    std::fseek(file.get(), 0, SEEK_END);
    const auto bytes_total = static_cast<std::uint64_t>(std::ftell(file.get()));
    std::fseek(file.get(), 0, SEEK_SET);
    std::vector<char> buffer(1 << 20);
    std::setvbuf(file.get(), buffer.data(), _IOFBF, buffer.size());

    RosterImportSummary summary;
    char line_buffer[kRosterLineBytesMax + 2];
    std::uint64_t line_number = 0, bytes_read = 0, in_batch = 0;
    auto reject = [&](const std::string& why) {
        ++summary.lines_rejected;
        if (summary.problems.size() < kProblemsKeptMax) {
            summary.problems.push_back("line " + std::to_string(line_number) + ": " + why);
        }
    };
    // Rows are HMAC-keyed, i.e. random: inserting them in file order scatters every batch over
    // the whole B-tree. Sorting a batch by key first turns it into one ordered sweep, and large
    // batches mean each page is rewritten to the WAL far fewer times.
    std::vector<RosterRow> pending;
    pending.reserve(kRosterImportBatchRows);
    auto flush = [&] {
        std::sort(pending.begin(), pending.end(),
                  [](const RosterRow& a, const RosterRow& b) { return a.citizen_key < b.citizen_key; });
        for (const auto& row : pending) store_.upsertRosterRow(row);
        pending.clear();
    };
    store_.begin();
    try {
        while (std::fgets(line_buffer, sizeof line_buffer, file.get()) != nullptr) {
            ++line_number;
            std::string_view line(line_buffer);
            bytes_read += line.size();
            if (line.empty() || line.back() != '\n') {
                if (!std::feof(file.get())) {
                    store_.rollback();
                    return Status(ErrorCode::bad_field, "line " + std::to_string(line_number) +
                                                            " is longer than 1024 bytes");
                }
            }
            while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
                line.remove_suffix(1);
            }
            if (line_number == 1) {
                if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 BOM
                if (line != kRosterHeader) {
                    store_.rollback();
                    return Status(ErrorCode::bad_field, std::string("header must be ") +
                                                            kRosterHeader);
                }
                continue;
            }
            if (line.empty()) continue;
            const auto fields = splitFields(line, ',');
            if (fields.size() != 5) {
                reject("expected 5 fields, found " + std::to_string(fields.size()));
            } else if (auto id = protocols::CitizenId::parse(fields[0]); !id) {
                reject(id.status().message());
            } else {
                RosterEntryFields entry;
                entry.program = program_id;
                entry.citizen_id = id->normalised();
                std::vector<std::string> proxies;
                bool ok = true;
                if (!fields[1].empty()) {
                    if (!protocols::validateNhiCardNumber(fields[1]).ok()) {
                        reject("nhi_card_no must be 12 digits");
                        ok = false;
                    } else {
                        entry.nhi_card_no = fields[1];
                    }
                }
                if (ok && !fields[2].empty()) {
                    std::int64_t amount = 0;
                    const auto parsed = std::from_chars(fields[2].data(),
                                                        fields[2].data() + fields[2].size(), amount);
                    if (parsed.ec != std::errc() || parsed.ptr != fields[2].data() + fields[2].size() ||
                        amount <= 0 || amount > protocols::kAmountMax) {
                        reject("amount must be a positive integer");
                        ok = false;
                    } else {
                        entry.amount = amount;
                    }
                }
                if (ok && !fields[3].empty()) {
                    for (const auto proxy : splitFields(fields[3], ';')) {
                        auto proxy_id = protocols::CitizenId::parse(proxy);
                        if (!proxy_id || proxies.size() >= protocols::kProxiesPerCitizenMax) {
                            reject("proxies must be up to 8 valid IDs separated by ';'");
                            ok = false;
                            break;
                        }
                        proxies.push_back(proxy_id->normalised());
                    }
                    entry.proxies = &proxies;
                }
                if (ok && !fields[4].empty()) {
                    if (auto claim_by = protocols::parseClaimBy(fields[4])) {
                        entry.claim_by = *claim_by;
                    } else {
                        reject("claim_by must be self, proxy or either");
                        ok = false;
                    }
                }
                if (ok) {
                    pending.push_back(buildRosterRow(pepper_, entry));
                    ++summary.rows_imported;
                    if (++in_batch >= kRosterImportBatchRows) {
                        flush();
                        store_.commit();
                        store_.begin();
                        in_batch = 0;
                        if (progress) progress(summary.rows_imported, bytes_read, bytes_total);
                    }
                }
            }
            if (summary.lines_rejected > kRosterBadLinesMax) {
                store_.rollback();
                return Status(ErrorCode::bad_field,
                              "more than " + std::to_string(kRosterBadLinesMax) +
                                  " bad lines; import stopped (first: " + summary.problems.front() +
                                  ")");
            }
        }
        flush();
        store_.commit();
    } catch (const LedgerStoreError& error) {
        store_.rollback();
        return Status(ErrorCode::internal, error.what());
    }
    if (progress) progress(summary.rows_imported, bytes_total, bytes_total);
    return summary;
}

}  // namespace claimgate::gateway
