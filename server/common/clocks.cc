#include "server/common/clocks.h"

namespace flowhost::common {

const RealClock& RealClock::Get() {
  static const RealClock* clock = new RealClock();
  return *clock;
}

}  // namespace flowhost::common
