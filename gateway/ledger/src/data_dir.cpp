#include <claimgate/ledger/data_dir.hpp>

#include <claimgate/protocols/private_file.hpp>

#include <openssl/rand.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr std::size_t kPepperBytes = 32;

protocols::Result<std::string> readPepper(const std::string& path) {
    // Whoever reads the pepper can reverse every citizen key by trying all 10-character IDs.
    if (Status owner_only = protocols::requireOwnerOnlyFile(path, "pepper file");
        !owner_only.ok()) {
        return owner_only;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status(ErrorCode::internal, "cannot read pepper " + path);
    std::string pepper(kPepperBytes + 1, '\0');
    const ssize_t got = ::read(fd, pepper.data(), pepper.size());
    ::close(fd);
    if (got != static_cast<ssize_t>(kPepperBytes)) {
        return Status(ErrorCode::internal, "pepper " + path + " must be exactly 32 bytes");
    }
    pepper.resize(kPepperBytes);
    return pepper;
}

}  // namespace

Status DataDir::ensureExists() const {
    if (::mkdir(path_.c_str(), 0700) != 0 && errno != EEXIST) {
        return Status(ErrorCode::internal,
                      "cannot create data dir " + path_ + ": " + std::strerror(errno));
    }
    return Status::okStatus();
}

protocols::Result<std::string> DataDir::loadOrCreatePepper(
    const std::optional<std::string>& pepper_file) const {
    if (pepper_file) return readPepper(*pepper_file);
    const std::string path = pepperPath();
    if (::access(path.c_str(), F_OK) == 0) return readPepper(path);
    std::string pepper(kPepperBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(pepper.data()),
                   static_cast<int>(pepper.size())) != 1) {
        return Status(ErrorCode::internal, "no randomness for the pepper");
    }
    // O_EXCL: two processes racing to create it cannot both win with different peppers.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return readPepper(path);
        return Status(ErrorCode::internal, "cannot create pepper " + path);
    }
    const bool written =
        ::write(fd, pepper.data(), pepper.size()) == static_cast<ssize_t>(pepper.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written) return Status(ErrorCode::internal, "cannot write pepper " + path);
    return pepper;
}

}  // namespace claimgate::gateway
