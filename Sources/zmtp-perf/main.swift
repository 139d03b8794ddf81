print("zmtp-perf: in progress")
