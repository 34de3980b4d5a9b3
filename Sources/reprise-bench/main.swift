print("reprise-bench")
