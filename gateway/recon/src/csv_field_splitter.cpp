#include <claimgate/recon/csv_field_splitter.hpp>

#include <cstring>

namespace claimgate::recon {

std::size_t CsvFieldSplitter::split(std::string_view line) {
    error_ = {};
    if (line.find('"') != std::string_view::npos) {
        return splitQuoted(line);
    }
    std::size_t count = 0;
    const char* cursor = line.data();
    const char* const end = line.data() + line.size();
    for (;;) {
        const auto* comma = static_cast<const char*>(
            std::memchr(cursor, ',', static_cast<std::size_t>(end - cursor)));
        const char* const field_end = comma != nullptr ? comma : end;
        if (count == kCsvFieldsMax) {
            error_ = "too many fields";
            return 0;
        }
        fields_[count++] = std::string_view(cursor, static_cast<std::size_t>(field_end - cursor));
        if (comma == nullptr) {
            return count;
        }
        cursor = comma + 1;
    }
}

std::size_t CsvFieldSplitter::splitQuoted(std::string_view line) {
    // Unescaped fields are written back to back into scratch_; it is as large as the longest
    // line and unescaping only shrinks text, so it never overflows.
    if (line.size() > scratch_.size()) {
        error_ = "line too long";
        return 0;
    }
    std::size_t count = 0;
    std::size_t out = 0;
    std::size_t i = 0;
    for (;;) {
        if (count == kCsvFieldsMax) {
            error_ = "too many fields";
            return 0;
        }
        const std::size_t start = out;
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                const char c = line[i];
                if (c == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        scratch_[out++] = '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                scratch_[out++] = c;
                ++i;
            }
            if (!closed) {
                error_ = "unterminated quoted field";
                return 0;
            }
            if (i < line.size() && line[i] != ',') {
                error_ = "text after a closing quote";
                return 0;
            }
        } else {
            while (i < line.size() && line[i] != ',') {
                if (line[i] == '"') {
                    error_ = "quote inside an unquoted field";
                    return 0;
                }
                scratch_[out++] = line[i++];
            }
        }
        fields_[count++] = std::string_view(scratch_.data() + start, out - start);
        if (i >= line.size()) {
            return count;
        }
        ++i;  // the comma
    }
}

std::string_view normaliseHeader(std::string_view line) noexcept {
    if (line.size() >= 3 && static_cast<unsigned char>(line[0]) == 0xEF &&
        static_cast<unsigned char>(line[1]) == 0xBB &&
        static_cast<unsigned char>(line[2]) == 0xBF) {
        line.remove_prefix(3);
    }
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

bool parseAmount(std::string_view text, std::int64_t& amount) noexcept {
    if (text.empty() || text.size() > 10) {
        return false;
    }
    std::int64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    if (value > protocols::kAmountMax) {
        return false;
    }
    amount = value;
    return true;
}

void appendCsvField(std::string& out, std::string_view field) {
    const bool formula = !field.empty() &&
                         (field[0] == '=' || field[0] == '+' || field[0] == '-' || field[0] == '@');
    const bool quote = formula || field.find_first_of(",\"\r\n") != std::string_view::npos;
    if (!quote) {
        out.append(field);
        return;
    }
    out.push_back('"');
    if (formula) {
        out.push_back('\'');
    }
    for (const char c : field) {
        if (c == '"') {
            out.push_back('"');
        }
        out.push_back(c);
    }
    out.push_back('"');
}

}  // namespace claimgate::recon
