#include <claimgate/protocols/time_format.hpp>

#include <cstdio>

namespace claimgate::protocols {
namespace {

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(year - era * 400);
    const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

void civilFromDays(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto day_of_era = static_cast<unsigned>(days - era * 146097);
    const unsigned year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    year = static_cast<std::int64_t>(year_of_era) + era * 400;
    const unsigned day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const unsigned month_index = (5 * day_of_year + 2) / 153;
    day = day_of_year - (153 * month_index + 2) / 5 + 1;
    month = month_index < 10 ? month_index + 3 : month_index - 9;
    year += month <= 2 ? 1 : 0;
}

bool isLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int daysInMonth(int year, int month) {
    static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : kDays[month - 1];
}

bool readDigits(std::string_view text, std::size_t at, std::size_t count, int& value) {
    if (at + count > text.size()) return false;
    value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<std::int64_t> parseRfc3339Millis(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!readDigits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
        !readDigits(text, 5, 2, month) || text[7] != '-' || !readDigits(text, 8, 2, day) ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !readDigits(text, 11, 2, hour) ||
        text[13] != ':' || !readDigits(text, 14, 2, minute) || text[16] != ':' ||
        !readDigits(text, 17, 2, second)) {
        return std::nullopt;
    }
    // A day that does not exist (2023-02-30) is a typo in a program file, not a date to roll
    // over into March.
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
        minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t at = 19;
    std::int64_t millis = 0;
    if (at < text.size() && text[at] == '.') {
        ++at;
        std::int64_t scale = 100;
        const std::size_t start = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            millis += (text[at] - '0') * scale;
            scale /= 10;
            ++at;
        }
        if (at == start) return std::nullopt;
    }
    std::int64_t offset_minutes = 0;
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
        ++at;
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        const int sign = text[at] == '+' ? 1 : -1;
        int offset_hours = 0, offset_mins = 0;
        if (!readDigits(text, at + 1, 2, offset_hours) || at + 3 >= text.size() ||
            text[at + 3] != ':' || !readDigits(text, at + 4, 2, offset_mins) || offset_hours > 23 ||
            offset_mins > 59) {
            return std::nullopt;
        }
        offset_minutes = sign * (offset_hours * 60 + offset_mins);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != text.size()) return std::nullopt;
    const std::int64_t days =
        daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t seconds =
        days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    // A leap second or an offset can carry the instant past the years 0000..9999 that the
    // format can write (9999-12-31T23:59:60Z, 0000-01-01T00:00:00+01:00): refused, so every
    // time the parser accepts formats back to itself (found by the fuzz target citizen_id).
    static const std::int64_t kFirstSecond = daysFromCivil(0, 1, 1) * 86400;
    static const std::int64_t kLastSecond = daysFromCivil(9999, 12, 31) * 86400 + 86399;
    if (seconds < kFirstSecond || seconds > kLastSecond) return std::nullopt;
    return seconds * 1000 + millis;
}

std::optional<int> rfc3339OffsetMinutes(std::string_view text) {
    if (!parseRfc3339Millis(text)) return std::nullopt;
    const char last = text.back();
    if (last == 'Z' || last == 'z') return 0;
    // A valid time that does not end in Z ends in the six characters "+hh:mm" or "-hh:mm".
    const std::string_view offset = text.substr(text.size() - 6);
    const int sign = offset[0] == '+' ? 1 : -1;
    const int hours = (offset[1] - '0') * 10 + (offset[2] - '0');
    const int minutes = (offset[4] - '0') * 10 + (offset[5] - '0');
    return sign * (hours * 60 + minutes);
}

std::string formatRfc3339Millis(std::int64_t unix_millis) {
    return formatRfc3339Millis(unix_millis, 0);
}

std::string formatRfc3339Millis(std::int64_t unix_millis, int offset_minutes) {
    const std::int64_t local_millis = unix_millis + std::int64_t{offset_minutes} * 60'000;
    std::int64_t seconds = local_millis / 1000;
    std::int64_t millis = local_millis % 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    std::int64_t days = seconds / 86400;
    std::int64_t second_of_day = seconds % 86400;
    if (second_of_day < 0) {
        second_of_day += 86400;
        days -= 1;
    }
    std::int64_t year = 0;
    unsigned month = 0, day = 0;
    civilFromDays(days, year, month, day);
    char offset[8] = "Z";
    if (offset_minutes != 0) {
        const int magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
        std::snprintf(offset, sizeof offset, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+',
                      magnitude / 60 % 100, magnitude % 60);
    }
    char buffer[48];
    std::snprintf(
        buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lld%s",
        static_cast<long long>(year), month, day, static_cast<long long>(second_of_day / 3600),
        static_cast<long long>(second_of_day / 60 % 60), static_cast<long long>(second_of_day % 60),
        static_cast<long long>(millis), offset);
    return buffer;
}

}  // namespace claimgate::protocols
