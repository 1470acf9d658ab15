#include <claimgate/protocols/thread_name.hpp>

#include <pthread.h>

#include <string>

namespace claimgate::protocols {

namespace {
constexpr std::size_t kThreadNameCharsMax = 15;  // the kernel's TASK_COMM_LEN less the NUL
}

void nameThisThread(std::string_view name) {
    const std::string kept(name.substr(0, kThreadNameCharsMax));
    (void)pthread_setname_np(pthread_self(), kept.c_str());
}

}  // namespace claimgate::protocols
