#include <claimgate/recon/fixture_generator.hpp>

#include <claimgate/recon/limits.hpp>
#include <claimgate/recon/recon_csv_format.hpp>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace claimgate::recon {

using protocols::ErrorCode;
using protocols::Result;
using protocols::Status;

namespace {

constexpr std::uint32_t kDaysMax = 366;
constexpr std::size_t kFlushBytes = std::size_t{8} << 20;
constexpr std::uint64_t kUnknownEvery = 2000;
constexpr std::uint64_t kUnknownIdBase = std::uint64_t{1} << 40;
// First business day of the 2023 handout: 2023-04-10 as days since 1970-01-01.
constexpr std::int64_t kFirstDay = 19457;
constexpr std::int64_t kOpeningSeconds = 8 * 3600;  // 08:00 local
constexpr std::int64_t kBusinessSeconds = 12 * 3600;

struct OperatorInfo {
    const char* name;
    const char* channel;
    const char* terminal_prefix;
    std::uint32_t weight;  // out of 100
};
constexpr std::array<OperatorInfo, 6> kOperators = {{
    {"BANK004", "atm", "atm", 30},
    {"BANK005", "atm", "atm", 15},
    {"BANK812", "atm", "atm", 10},
    {"POST700", "counter", "counter", 25},
    {"CVS711", "kiosk", "pos", 12},
    {"CVS952", "kiosk", "pos", 8},
}};

enum class Kind : std::uint8_t {
    matched,
    mismatch,
    unsettled,
    duplicate,
    voided,
    voided_settled,
    in_doubt_settled,
    in_doubt_unsettled,
    held_settled,
    held_unsettled,
};

/// Splitmix64 finaliser: a bijection on 64-bit values, so distinct inputs give distinct ids.
std::uint64_t mix(std::uint64_t value) {
    value += 0x9E37'79B9'7F4A'7C15ULL;
    value = (value ^ (value >> 30)) * 0xBF58'476D'1CE4'E5B9ULL;
    value = (value ^ (value >> 27)) * 0x94D0'49BB'1331'11EBULL;
    return value ^ (value >> 31);
}

Kind kindOf(std::uint64_t roll) {
    constexpr std::array<std::pair<std::uint64_t, Kind>, 10> kTable = {{
        {9400, Kind::matched},
        {9420, Kind::mismatch},
        {9450, Kind::unsettled},
        {9490, Kind::duplicate},
        {9790, Kind::voided},
        {9800, Kind::voided_settled},
        {9860, Kind::in_doubt_settled},
        {9920, Kind::in_doubt_unsettled},
        {9950, Kind::held_settled},
        {10000, Kind::held_unsettled},
    }};
    for (const auto& [limit, kind] : kTable) {
        if (roll < limit) {
            return kind;
        }
    }
    return Kind::held_unsettled;
}

/// Civil date from days since 1970-01-01 (proleptic Gregorian calendar, era arithmetic).
void civilFromDays(std::int64_t days, std::int64_t& year, std::int64_t& month, std::int64_t& day) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t day_of_era = days - era * 146097;
    const std::int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const std::int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::int64_t month_index = (5 * day_of_year + 2) / 153;
    day = day_of_year - (153 * month_index + 2) / 5 + 1;
    month = month_index < 10 ? month_index + 3 : month_index - 9;
    year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

std::string dateText(std::int64_t days) {
    std::int64_t year = 0;
    std::int64_t month = 0;
    std::int64_t day = 0;
    civilFromDays(days, year, month, day);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", static_cast<int>(year),
                  static_cast<int>(month), static_cast<int>(day));
    return text;
}

class Buffer {
public:
    explicit Buffer(std::FILE* file) : file_(file) { data_.reserve(kFlushBytes + 4096); }
    void put(std::string_view text) { data_.append(text); }
    void put(char c) { data_.push_back(c); }
    void number(std::uint64_t value, int width = 0) {
        char digits[24];
        int length = 0;
        do {
            digits[length++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value > 0);
        for (int pad = length; pad < width; ++pad) {
            data_.push_back('0');
        }
        while (length > 0) {
            data_.push_back(digits[--length]);
        }
    }
    /// Local time (+08:00) of Unix seconds, RFC 3339.
    void time(std::int64_t unix_seconds) {
        const std::int64_t local = unix_seconds + 8 * 3600;
        std::int64_t days = local / 86400;
        const std::int64_t second_of_day = local % 86400;
        std::int64_t year = 0;
        std::int64_t month = 0;
        std::int64_t day = 0;
        civilFromDays(days, year, month, day);
        number(static_cast<std::uint64_t>(year), 4);
        put('-');
        number(static_cast<std::uint64_t>(month), 2);
        put('-');
        number(static_cast<std::uint64_t>(day), 2);
        put('T');
        number(static_cast<std::uint64_t>(second_of_day / 3600), 2);
        put(':');
        number(static_cast<std::uint64_t>(second_of_day / 60 % 60), 2);
        put(':');
        number(static_cast<std::uint64_t>(second_of_day % 60), 2);
        put("+08:00");
    }
    bool flushIfFull() { return data_.size() < kFlushBytes || flush(); }
    bool flush() {
        const bool ok = std::fwrite(data_.data(), 1, data_.size(), file_) == data_.size();
        bytes_ += data_.size();
        data_.clear();
        return ok;
    }
    [[nodiscard]] std::uint64_t bytes() const { return bytes_ + data_.size(); }

private:
    std::FILE* file_;
    std::string data_;
    std::uint64_t bytes_ = 0;
};

/// Everything about claim `index`, derived from (seed, index) alone.
struct Claim {
    std::uint64_t index = 0;
    Kind kind = Kind::matched;
    std::size_t op = 0;
    std::uint64_t terminal = 0;
    std::int64_t amount = 6000;
    bool elder = false;
    std::int64_t held_at = 0;
};

class Facts {
public:
    Facts(std::uint64_t seed, std::uint64_t claims, std::uint32_t days)
        : seed_(mix(seed ^ 0xC1A1'6A7EULL)), claims_(claims), days_(days) {}

    [[nodiscard]] std::uint32_t dayOf(std::uint64_t index) const {
        return static_cast<std::uint32_t>(index * days_ / claims_);
    }
    [[nodiscard]] std::uint64_t dayStart(std::uint32_t day) const {
        return (static_cast<std::uint64_t>(day) * claims_ + days_ - 1) / days_;
    }

    [[nodiscard]] Claim claim(std::uint64_t index) const {
        Claim c;
        c.index = index;
        const std::uint64_t r = mix(seed_ + index);
        c.kind = kindOf(r % 10000);
        const std::uint64_t weight = (r >> 14) % 100;
        std::uint64_t acc = 0;
        for (std::size_t i = 0; i < kOperators.size(); ++i) {
            acc += kOperators[i].weight;
            if (weight < acc) {
                c.op = i;
                break;
            }
        }
        c.terminal = (r >> 21) % 200 + 1;
        c.elder = (r >> 29) % 10 == 0;
        c.amount = c.elder ? 10000 : 6000;
        const std::uint32_t day = dayOf(index);
        const std::uint64_t start = dayStart(day);
        const std::uint64_t span = std::max<std::uint64_t>(dayStart(day + 1) - start, 1);
        c.held_at = (kFirstDay + day) * 86400 - 8 * 3600 + kOpeningSeconds +
                    static_cast<std::int64_t>((index - start) * kBusinessSeconds / span);
        return c;
    }

    /// "c_" + 24 base32 characters; the first 13 come from a bijection of the index.
    void claimId(Buffer& out, std::uint64_t index) const {
        static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
        std::uint64_t unique = mix(index ^ seed_);
        std::uint64_t noise = mix(unique + seed_);
        out.put("c_");
        for (int i = 0; i < 13; ++i) {
            out.put(kAlphabet[unique & 31]);
            unique >>= 5;
        }
        for (int i = 0; i < 11; ++i) {
            out.put(kAlphabet[noise & 31]);
            noise >>= 5;
        }
    }

    void citizenKey(Buffer& out, std::uint64_t index) const {
        static constexpr char kHex[] = "0123456789abcdef";
        for (std::uint64_t part = 0; part < 4; ++part) {
            std::uint64_t word = mix(seed_ ^ (index * 4 + part + 0x5EED));
            for (int i = 0; i < 16; ++i) {
                out.put(kHex[word & 15]);
                word >>= 4;
            }
        }
    }

    void terminalId(Buffer& out, const Claim& c) const {
        out.put(kOperators[c.op].terminal_prefix);
        out.put('-');
        out.number(c.terminal, 4);
    }

    void terminalRef(Buffer& out, const Claim& c) const {
        out.put('T');
        out.number(mix(seed_ + c.index + 77) % 1'000'000'000'000ULL, 12);
    }

private:
    std::uint64_t seed_;
    std::uint64_t claims_;
    std::uint32_t days_;
};

bool isPaid(Kind kind) {
    return kind == Kind::matched || kind == Kind::mismatch || kind == Kind::unsettled ||
           kind == Kind::duplicate;
}

const char* statusOf(Kind kind) {
    if (isPaid(kind)) {
        return "paid";
    }
    if (kind == Kind::voided || kind == Kind::voided_settled) {
        return "voided";
    }
    if (kind == Kind::in_doubt_settled || kind == Kind::in_doubt_unsettled) {
        return "in_doubt";
    }
    return "held";
}

/// Settlement rows each claim kind produces.
int settlementRows(Kind kind) {
    switch (kind) {
        case Kind::duplicate:
            return 2;
        case Kind::unsettled:
        case Kind::voided:
        case Kind::in_doubt_unsettled:
        case Kind::held_unsettled:
            return 0;
        default:
            return 1;
    }
}

struct PendingRow {
    std::uint64_t index;  ///< claim index; >= kUnknownIdBase for a claim the ledger lacks
};

std::FILE* openFile(const std::filesystem::path& path) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file != nullptr) {
        std::setvbuf(file, nullptr, _IONBF, 0);
    }
    return file;
}

}  // namespace

FixtureGenerator::FixtureGenerator(FixtureOptions options) : options_(std::move(options)) {}

Result<FixtureStats> FixtureGenerator::run() {
    namespace fs = std::filesystem;
    if (options_.claims == 0 || options_.claims > kFixtureClaimsMax) {
        return Status(ErrorCode::bad_field,
                      "--claims must be 1.." + std::to_string(kFixtureClaimsMax));
    }
    if (options_.days == 0 || options_.days > kDaysMax) {
        return Status(ErrorCode::bad_field, "--days must be 1.." + std::to_string(kDaysMax));
    }
    const fs::path out(options_.out_dir);
    const fs::path settlement_dir = out / "settlement";
    std::error_code error;
    fs::create_directories(settlement_dir, error);
    if (error) {
        return Status(ErrorCode::internal, settlement_dir.string() + ": " + error.message());
    }
    FixtureStats stats;
    std::FILE* ledger_file = openFile(out / "ledger.csv");
    if (ledger_file == nullptr) {
        return Status(ErrorCode::internal,
                      (out / "ledger.csv").string() + ": " + std::strerror(errno));
    }
    Buffer ledger(ledger_file);
    ledger.put(std::string(kLedgerCsvHeader) + "\n");
    const Facts facts(options_.seed, options_.claims, options_.days);
    bool ok = true;
    std::uint64_t shuffle_state = mix(options_.seed ^ 0x5E771E);
    for (std::uint32_t day = 0; day < options_.days && ok; ++day) {
        std::array<std::vector<PendingRow>, kOperators.size()> rows;
        const std::uint64_t begin = facts.dayStart(day);
        const std::uint64_t end = facts.dayStart(day + 1);
        for (std::uint64_t index = begin; index < end; ++index) {
            const Claim c = facts.claim(index);
            facts.claimId(ledger, index);
            ledger.put(c.elder ? ",ELDER2024," : ",CASH2023,");
            facts.citizenKey(ledger, index);
            ledger.put(',');
            ledger.put(kOperators[c.op].channel);
            ledger.put(',');
            ledger.put(kOperators[c.op].name);
            ledger.put(',');
            facts.terminalId(ledger, c);
            ledger.put(',');
            if (isPaid(c.kind)) {
                facts.terminalRef(ledger, c);
            }
            ledger.put(',');
            ledger.number(static_cast<std::uint64_t>(c.amount));
            ledger.put(',');
            ledger.put(statusOf(c.kind));
            ledger.put(',');
            ledger.time(c.held_at);
            ledger.put(',');
            if (isPaid(c.kind)) {
                ledger.time(c.held_at + 20);
            }
            ledger.put(',');
            if (isPaid(c.kind)) {
                ledger.time(c.held_at + 18);  // the terminal's dispense time, before the advice
            }
            ledger.put('\n');
            ok = ok && ledger.flushIfFull();
            for (int copy = 0; copy < settlementRows(c.kind); ++copy) {
                rows[c.op].push_back({index});
            }
            if (index % kUnknownEvery == kUnknownEvery - 1) {
                rows[c.op].push_back({kUnknownIdBase + index});
            }
        }
        for (std::size_t op = 0; op < kOperators.size() && ok; ++op) {
            auto& file_rows = rows[op];
            // Fisher-Yates with our own generator: the same seed shuffles the same on every
            // standard library.
            for (std::size_t i = file_rows.size(); i > 1; --i) {
                shuffle_state = mix(shuffle_state);
                std::swap(file_rows[i - 1], file_rows[shuffle_state % i]);
            }
            const std::string file_name =
                std::string(kOperators[op].name) + "_" + dateText(kFirstDay + day) + ".csv";
            std::FILE* file = openFile(settlement_dir / file_name);
            if (file == nullptr) {
                return Status(ErrorCode::internal,
                              settlement_dir.string() + ": " + std::strerror(errno));
            }
            Buffer out_rows(file);
            out_rows.put(std::string(kSettlementCsvHeader) + "\n");
            for (const PendingRow& row : file_rows) {
                const bool unknown = row.index >= kUnknownIdBase;
                const Claim c = facts.claim(unknown ? row.index - kUnknownIdBase : row.index);
                out_rows.put(kOperators[op].name);
                out_rows.put(',');
                facts.terminalId(out_rows, c);
                out_rows.put(',');
                facts.terminalRef(out_rows, c);
                out_rows.put(',');
                facts.claimId(out_rows, row.index);
                out_rows.put(',');
                const std::int64_t amount =
                    c.kind == Kind::mismatch && !unknown ? c.amount - 1000 : c.amount;
                out_rows.number(static_cast<std::uint64_t>(amount));
                out_rows.put(',');
                out_rows.time(c.held_at + (unknown ? 45 : 20));
                out_rows.put('\n');
                ok = ok && out_rows.flushIfFull();
                ++stats.settlement_rows;
            }
            ok = ok && out_rows.flush();
            stats.bytes += out_rows.bytes();
            ok = std::fclose(file) == 0 && ok;
            ++stats.settlement_files;
        }
        stats.ledger_rows += end - begin;
    }
    ok = ok && ledger.flush();
    stats.bytes += ledger.bytes();
    ok = std::fclose(ledger_file) == 0 && ok;
    if (!ok) {
        return Status(ErrorCode::internal,
                      out.string() + ": write failed: " + std::strerror(errno));
    }
    return stats;
}

}  // namespace claimgate::recon
