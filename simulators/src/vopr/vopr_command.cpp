// claimgate-sim vopr: runs claimgate-vopr from the same directory with the same arguments (see
// simulators/vopr/CMakeLists.txt for why the simulation is its own executable).
#include "command_registry.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

int runVopr(int argc, char** argv) {
    char self[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        std::fprintf(stderr, "claimgate-sim vopr: cannot find my own executable\n");
        return 2;
    }
    std::string path(self, static_cast<std::size_t>(length));
    path = path.substr(0, path.rfind('/') + 1) + "claimgate-vopr";
    std::vector<char*> arguments;
    arguments.push_back(path.data());
    for (int i = 1; i < argc; ++i) arguments.push_back(argv[i]);
    arguments.push_back(nullptr);
    ::execv(path.c_str(), arguments.data());
    std::fprintf(stderr, "claimgate-sim vopr: cannot run %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return 2;
}

}  // namespace

CG_SIM_COMMAND(vopr, "deterministic simulation: terminals, gateway and ledger under faults",
               runVopr);
