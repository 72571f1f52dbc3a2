"""Operations: the task queue's schedule and failed jobs, health endpoints, request logs."""
