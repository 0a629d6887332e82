// Sanitizer builds only (see the top-level CMakeLists.txt): Boost.Context's ucontext
// backend, the one with AddressSanitizer hooks, needs one function from the compiled
// library, which Debian builds for the fcontext backend only. It is the per-thread
// pointer to the activation record now running, starting at a record that stands for the
// thread's own stack (whose default constructor captures it).
#if defined(BOOST_USE_UCONTEXT)
#include <boost/context/fiber.hpp>

namespace boost::context::detail {

fiber_activation_record*& fiber_activation_record::current() noexcept {
  thread_local fiber_activation_record thread_context;
  thread_local fiber_activation_record* running = &thread_context;
  return running;
}

}  // namespace boost::context::detail
#endif
