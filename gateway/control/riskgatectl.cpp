// riskgatectl: the operator's command-line tool. All logic lives in
// gateway/control/ctl.cpp (run_ctl) so tests can drive it in-process.
#include <iostream>
#include <string>
#include <vector>

#include "gateway/control/ctl.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  return riskgate::control::run_ctl(args, std::cout, std::cerr);
}
