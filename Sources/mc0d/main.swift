print("mc0d: in progress")
