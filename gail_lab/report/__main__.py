from gail_lab.report import main

raise SystemExit(main())
