//===- WorkerPool.cpp - A tiny fixed thread pool ---------------------------===//

#include "spaceevo/search/WorkerPool.h"

#include <algorithm>
#include <system_error>

namespace spaceevo::search {

WorkerPool::WorkerPool(unsigned threadCount) {
  if (threadCount == 0) threadCount = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < threadCount; ++i) {
#if defined(__cpp_exceptions)
    try {
      workers.emplace_back([this] { workerLoop(); });
    } catch (const std::system_error &) {
      break; // run with the threads we got; results do not depend on the count
    }
#else
    workers.emplace_back([this] { workerLoop(); });
#endif
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wakeWorkers.notify_all();
  for (std::thread &worker : workers) worker.join();
}

void WorkerPool::runTasks() {
  for (size_t i = nextIndex.fetch_add(1); i < currentCount; i = nextIndex.fetch_add(1))
    (*currentTask)(i);
}

void WorkerPool::workerLoop() {
  uint64_t seenGeneration = 0;
  std::unique_lock<std::mutex> lock(mutex);
  while (true) {
    wakeWorkers.wait(lock, [&] { return stopping || generation != seenGeneration; });
    if (stopping) return;
    seenGeneration = generation;
    lock.unlock();
    runTasks();
    lock.lock();
    if (--busyWorkers == 0) workersDone.notify_one();
  }
}

void WorkerPool::parallelFor(size_t taskCount, const std::function<void(size_t)> &task) {
  std::lock_guard<std::mutex> callLock(callMutex);
  if (workers.empty() || taskCount <= 1) {
    for (size_t i = 0; i < taskCount; ++i) task(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    currentTask = &task;
    currentCount = taskCount;
    nextIndex.store(0);
    busyWorkers = static_cast<unsigned>(workers.size());
    ++generation;
  }
  wakeWorkers.notify_all();
  runTasks();
  std::unique_lock<std::mutex> lock(mutex);
  workersDone.wait(lock, [&] { return busyWorkers == 0; });
  currentTask = nullptr;
}

} // namespace spaceevo::search
