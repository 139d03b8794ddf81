print("mc0: in progress")
