#include <claimgate/protocols/private_file.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace claimgate::protocols {

Status requireOwnerOnlyFile(const std::string& path, std::string_view what) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return Status(ErrorCode::internal,
                      std::string(what) + " " + path + ": " + std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) {
        return Status(ErrorCode::internal,
                      std::string(what) + " " + path + " is not a regular file");
    }
    const auto group_other = info.st_mode & static_cast<mode_t>(S_IRWXG | S_IRWXO);
    if (group_other != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777U));
        return Status(ErrorCode::internal,
                      std::string(what) + " " + path + " is accessible by group or others (mode " +
                          mode + "); it must be readable by its owner only: chmod 600 " + path);
    }
    return Status::okStatus();
}

}  // namespace claimgate::protocols
