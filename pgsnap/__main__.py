from pgsnap.cli import main

main()
