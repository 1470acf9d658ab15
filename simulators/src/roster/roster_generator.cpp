#include "roster/roster_generator.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace claimgate::simulators {
namespace {

namespace protocols = claimgate::protocols;

constexpr std::uint64_t kSerialsPerPrefix = 10'000'000;  // seven serial digits + check digit
constexpr std::uint64_t kLetters = 26;
constexpr std::uint64_t kNationalSpace = kLetters * 2 * kSerialsPerPrefix;     // gender 1/2
constexpr std::uint64_t kResidentNewSpace = kLetters * 2 * kSerialsPerPrefix;  // 8/9
constexpr std::uint64_t kResidentOldSpace = kLetters * 4 * kSerialsPerPrefix;  // A-D
constexpr std::uint64_t kNhiSpace = 1'000'000'000'000;                         // 12 digits
constexpr std::uint64_t kFractionOne = std::uint64_t{1} << 53;
constexpr std::int64_t kSpecialAmounts[] = {3000, 10000};

// Even if every row fell into one kind, its space could not run out.
static_assert(kRosterRowsMax < kNationalSpace && kRosterRowsMax < kResidentNewSpace &&
              kRosterRowsMax < kResidentOldSpace && kRosterRowsMax < kNhiSpace);

// Household-registration letter codes (same table as protocols/citizen_id.cpp).
constexpr int kLetterCodes[26] = {
    10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,  // A..M
    22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33,  // N..Z
};

// Fills id[2..8] with the serial's seven digits and id[9] with the check digit. `second_value`
// is what position 1 weighs in the checksum (a digit, or an old-format letter's units digit).
void finishId(CitizenIdText& id, int second_value, std::uint64_t serial) {
    for (std::size_t position = 8; position >= 2; --position) {
        id[position] = static_cast<char>('0' + serial % 10);
        serial /= 10;
    }
    const int code = kLetterCodes[id[0] - 'A'];
    int sum = code / 10 + (code % 10) * 9 + second_value * 8;
    for (std::size_t position = 2; position <= 8; ++position) {
        sum += (id[position] - '0') * static_cast<int>(9 - position);
    }
    id[9] = static_cast<char>('0' + (10 - sum % 10) % 10);
}

// value in [0, space of the kind) -> the ID it names.
void idFromValue(protocols::CitizenIdKind kind, std::uint64_t value, CitizenIdText& id) {
    const std::uint64_t seconds = kind == protocols::CitizenIdKind::resident_old ? 4 : 2;
    const std::uint64_t letter = value / (seconds * kSerialsPerPrefix);
    const std::uint64_t second = value / kSerialsPerPrefix % seconds;
    id[0] = static_cast<char>('A' + letter);
    int second_value = 0;
    switch (kind) {
        case protocols::CitizenIdKind::national:
            id[1] = static_cast<char>('1' + second);
            second_value = id[1] - '0';
            break;
        case protocols::CitizenIdKind::resident_new:
            id[1] = static_cast<char>('8' + second);
            second_value = id[1] - '0';
            break;
        case protocols::CitizenIdKind::resident_old:
            id[1] = static_cast<char>('A' + second);
            second_value = kLetterCodes[id[1] - 'A'] % 10;
            break;
    }
    finishId(id, second_value, value % kSerialsPerPrefix);
}

void checkOrDie(const CitizenIdText& id, protocols::CitizenIdKind kind) {
    const auto parsed = protocols::CitizenId::parse(std::string_view(id.data(), id.size()));
    if (!parsed.ok() || parsed->kind() != kind) {
        std::fprintf(stderr, "roster generator bug: produced an invalid citizen id (%s)\n",
                     parsed.ok() ? "wrong kind" : parsed.status().message().c_str());
        std::abort();
    }
}

bool validFraction(double fraction) { return fraction >= 0.0 && fraction <= 1.0; }

protocols::Status badOption(const char* option, const char* message) {
    return protocols::Status(protocols::ErrorCode::bad_field, std::string(option) + " " + message,
                             {{"field", option}});
}

}  // namespace

protocols::Status RosterOptions::validate() const {
    if (count == 0 || count > kRosterRowsMax) {
        return badOption("--count", ("must be in 1.." + std::to_string(kRosterRowsMax)).c_str());
    }
    if (!validFraction(nhi_fraction)) return badOption("--nhi-fraction", "must be in 0..1");
    if (!validFraction(proxy_fraction)) return badOption("--proxy-fraction", "must be in 0..1");
    if (!validFraction(amount_fraction)) return badOption("--amount-fraction", "must be in 0..1");
    if (!validFraction(resident_new_fraction) || !validFraction(resident_old_fraction) ||
        resident_new_fraction + resident_old_fraction > 1.0) {
        return badOption("--resident-fraction", "resident fractions must sum to at most 1");
    }
    return protocols::Status::okStatus();
}

RosterGenerator::RosterGenerator(const RosterOptions& options)
    : options_(options),
      stream_key_(mix64(options.seed ^ 0x726F737465720001ULL)),
      resident_old_below_(threshold(options.resident_old_fraction)),
      resident_new_below_(resident_old_below_ + threshold(options.resident_new_fraction)),
      nhi_below_(threshold(options.nhi_fraction)),
      proxy_below_(threshold(options.proxy_fraction)),
      amount_below_(threshold(options.amount_fraction)),
      national_(kNationalSpace, mix64(options.seed ^ 0x6E6174696F6E616CULL)),
      resident_new_(kResidentNewSpace, mix64(options.seed ^ 0x7265736E65770002ULL)),
      resident_old_(kResidentOldSpace, mix64(options.seed ^ 0x7265736F6C640003ULL)),
      nhi_(kNhiSpace, mix64(options.seed ^ 0x6E68690000000004ULL)) {}

std::uint64_t RosterGenerator::threshold(double fraction) noexcept {
    if (fraction <= 0.0) return 0;
    if (fraction >= 1.0) return kFractionOne;
    return static_cast<std::uint64_t>(fraction * static_cast<double>(kFractionOne));
}

std::uint64_t RosterGenerator::draw(std::uint64_t row, Stream stream) const noexcept {
    return mix64(stream_key_ ^ mix64(row * 8 + static_cast<std::uint64_t>(stream)));
}

void RosterGenerator::makeProxy(std::uint64_t random, const CitizenIdText& avoid,
                                CitizenIdText& out) const {
    // Proxies are national IDs of adults, not necessarily on this roster; they only have to be
    // valid and differ from the citizen they collect for.
    do {
        random = mix64(random);
        idFromValue(protocols::CitizenIdKind::national, random % kNationalSpace, out);
    } while (out == avoid);
    checkOrDie(out, protocols::CitizenIdKind::national);
}

bool RosterGenerator::next(RosterRow& row) {
    if (next_row_ >= options_.count) return false;
    const std::uint64_t index = next_row_++;
    row = RosterRow{};
    row.index = index;

    const std::uint64_t kind_draw = draw(index, Stream::kind) >> 11;
    if (kind_draw < resident_old_below_) {
        row.kind = protocols::CitizenIdKind::resident_old;
        idFromValue(row.kind, resident_old_.permute(counts_.resident_old++), row.citizen_id);
    } else if (kind_draw < resident_new_below_) {
        row.kind = protocols::CitizenIdKind::resident_new;
        idFromValue(row.kind, resident_new_.permute(counts_.resident_new++), row.citizen_id);
    } else {
        row.kind = protocols::CitizenIdKind::national;
        idFromValue(row.kind, national_.permute(counts_.national++), row.citizen_id);
    }
    checkOrDie(row.citizen_id, row.kind);

    if ((draw(index, Stream::nhi) >> 11) < nhi_below_) {
        row.has_nhi_card = true;
        std::uint64_t number = nhi_.permute(counts_.with_nhi_card++);
        for (std::size_t position = row.nhi_card_no.size(); position-- > 0;) {
            row.nhi_card_no[position] = static_cast<char>('0' + number % 10);
            number /= 10;
        }
    }

    const std::uint64_t proxy_draw = draw(index, Stream::proxy);
    if ((proxy_draw >> 11) < proxy_below_) {
        ++counts_.with_proxies;
        row.proxy_count = 1 + (proxy_draw & 1);
        // Roughly the platform's age rule: young children proxy-only, older ones either.
        row.has_claim_by = true;
        row.claim_by =
            (proxy_draw >> 1) % 5 < 2 ? protocols::ClaimBy::proxy : protocols::ClaimBy::either;
        const std::uint64_t ids_draw = draw(index, Stream::proxy_ids);
        makeProxy(ids_draw, row.citizen_id, row.proxies[0]);
        if (row.proxy_count == 2) {
            std::uint64_t random = ids_draw ^ 0x5BD1E995ULL;
            do {
                makeProxy(random, row.citizen_id, row.proxies[1]);
                random = mix64(random);
            } while (row.proxies[1] == row.proxies[0]);
        }
    }

    const std::uint64_t amount_draw = draw(index, Stream::amount);
    if ((amount_draw >> 11) < amount_below_) {
        ++counts_.with_amount;
        row.amount = kSpecialAmounts[amount_draw & 1];
    }
    ++counts_.rows;
    return true;
}

void RosterGenerator::toCsvRow(const RosterRow& row, protocols::RosterCsvRow& csv_row) {
    csv_row.citizen_id.assign(row.citizenId());
    csv_row.nhi_card_no.clear();
    if (row.has_nhi_card) {
        csv_row.nhi_card_no.assign(row.nhi_card_no.data(), row.nhi_card_no.size());
    }
    csv_row.amount = row.amount;
    csv_row.proxies.resize(row.proxy_count);
    for (std::size_t i = 0; i < row.proxy_count; ++i) {
        csv_row.proxies[i].assign(row.proxies[i].data(), row.proxies[i].size());
    }
    csv_row.claim_by.reset();
    if (row.has_claim_by) csv_row.claim_by = row.claim_by;
    csv_row.status = protocols::RosterStatus::eligible;
    csv_row.excluded_reason.clear();
}

}  // namespace claimgate::simulators
