// File: temp_dir.hpp
// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction: the
// one temporary-directory helper of all tests (linked into each by cg_add_test).
#pragma once

#include <string>

namespace claimgate::testing {

class TempDir {
public:
    explicit TempDir(const std::string& prefix = "cg-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    /// path() + "/" + name
    [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
    /// Writes `content` to path() + "/" + name (creating sub-directories); returns that path.
    std::string file(const std::string& name, const std::string& content) const;

    /// Leaves the directory in place (e.g. for inspection after a failed test).
    void keepOnExit() { keep_ = true; }

private:
    std::string path_;
    bool keep_ = false;
};

/// Reads a whole file (binary); empty if it cannot be read.
[[nodiscard]] std::string readFileBytes(const std::string& path);
/// Writes (replaces) a file; throws std::runtime_error on failure.
void writeFileBytes(const std::string& path, const std::string& bytes);

}  // namespace claimgate::testing
