// File: status.hpp
// Status / Result values carried across component boundaries (house style §8.4). A Status is an
// ErrorCode, a human message and an optional JSON detail object that goes into the error
// envelope unchanged.
#pragma once

#include <claimgate/protocols/error_code.hpp>

#include <nlohmann/json.hpp>

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace claimgate::protocols {

class [[nodiscard]] Status {
public:
    Status() = default;
    Status(ErrorCode code, std::string message, nlohmann::json detail = nlohmann::json::object())
        : code_(code), message_(std::move(message)), detail_(std::move(detail)) {}

    static Status okStatus() { return Status{}; }

    [[nodiscard]] bool ok() const noexcept { return code_ == ErrorCode::ok; }
    [[nodiscard]] ErrorCode code() const noexcept { return code_; }
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    [[nodiscard]] const nlohmann::json& detail() const noexcept { return detail_; }
    [[nodiscard]] int httpStatus() const noexcept { return httpStatusFor(code_); }

private:
    ErrorCode code_ = ErrorCode::ok;
    std::string message_;
    nlohmann::json detail_ = nlohmann::json::object();
};

/// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
    Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
        assert(!std::get<Status>(state_).ok() && "a Result error must not be ok");
    }

    [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<T>(state_); }
    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] const T& value() const& { return std::get<T>(state_); }
    [[nodiscard]] T& value() & { return std::get<T>(state_); }
    [[nodiscard]] T&& value() && { return std::get<T>(std::move(state_)); }
    [[nodiscard]] const T& operator*() const& { return value(); }
    [[nodiscard]] const T* operator->() const { return &std::get<T>(state_); }

    [[nodiscard]] const Status& status() const& { return std::get<Status>(state_); }

private:
    std::variant<T, Status> state_;
};

}  // namespace claimgate::protocols
