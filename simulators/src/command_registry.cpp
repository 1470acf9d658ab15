#include "command_registry.hpp"

#include <algorithm>

namespace claimgate::simulators {

CommandRegistry& CommandRegistry::instance() {
    static CommandRegistry registry;
    return registry;
}

void CommandRegistry::add(Command command) { commands_.push_back(std::move(command)); }

const Command* CommandRegistry::find(const std::string& name) const {
    for (const auto& command : commands_) {
        if (command.name == name) return &command;
    }
    return nullptr;
}

std::vector<Command> CommandRegistry::sorted() const {
    std::vector<Command> commands = commands_;
    std::sort(commands.begin(), commands.end(),
              [](const Command& a, const Command& b) { return a.name < b.name; });
    return commands;
}

}  // namespace claimgate::simulators
