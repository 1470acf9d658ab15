#include <claimgate/protocols/json_fields.hpp>

namespace claimgate::protocols {

Result<nlohmann::json> parseJsonObject(std::string_view body) {
    nlohmann::json value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
        return Status(ErrorCode::malformed_json, "request body is not valid JSON");
    }
    if (!value.is_object()) {
        return Status(ErrorCode::malformed_json, "request body must be a JSON object");
    }
    return value;
}

bool JsonFields::fail(ErrorCode code, const char* field, std::string message) {
    if (status_.ok()) {
        status_ = Status(code, std::move(message), {{"field", field}});
    }
    return false;
}

bool JsonFields::requireString(const char* field, std::size_t length_max, std::string& out) {
    if (!status_.ok()) return false;
    const auto found = object_.find(field);
    if (found == object_.end() || found->is_null()) {
        return fail(ErrorCode::missing_field, field, std::string(field) + " is required");
    }
    if (!found->is_string()) {
        return fail(ErrorCode::bad_field, field, std::string(field) + " must be a string");
    }
    const auto& text = found->get_ref<const std::string&>();
    if (text.empty() || text.size() > length_max) {
        return fail(
            ErrorCode::bad_field, field,
            std::string(field) + " must be 1.." + std::to_string(length_max) + " characters");
    }
    out = text;
    return true;
}

bool JsonFields::optionalString(const char* field, std::size_t length_max,
                                std::optional<std::string>& out) {
    if (!status_.ok()) return false;
    const auto found = object_.find(field);
    if (found == object_.end() || found->is_null()) {
        out.reset();
        return true;
    }
    std::string value;
    if (!requireString(field, length_max, value)) return false;
    out = std::move(value);
    return true;
}

bool JsonFields::requireInteger(const char* field, std::int64_t minimum, std::int64_t maximum,
                                std::int64_t& out) {
    if (!status_.ok()) return false;
    const auto found = object_.find(field);
    if (found == object_.end() || found->is_null()) {
        return fail(ErrorCode::missing_field, field, std::string(field) + " is required");
    }
    if (!found->is_number_integer()) {
        return fail(ErrorCode::bad_field, field, std::string(field) + " must be an integer");
    }
    const auto value = found->get<std::int64_t>();
    if (value < minimum || value > maximum) {
        return fail(ErrorCode::bad_field, field,
                    std::string(field) + " must be in " + std::to_string(minimum) + ".." +
                        std::to_string(maximum));
    }
    out = value;
    return true;
}

bool JsonFields::optionalInteger(const char* field, std::int64_t minimum, std::int64_t maximum,
                                 std::optional<std::int64_t>& out) {
    if (!status_.ok()) return false;
    const auto found = object_.find(field);
    if (found == object_.end() || found->is_null()) {
        out.reset();
        return true;
    }
    std::int64_t value = 0;
    if (!requireInteger(field, minimum, maximum, value)) return false;
    out = value;
    return true;
}

}  // namespace claimgate::protocols
