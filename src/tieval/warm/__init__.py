"""The warm runner: make's steps forked from a process that has already imported the pipeline.

A step run by make (``python -m tieval run STEP --study S``) spends about 2 s of its time on the
same work every time before it does anything of its own: importing the runner (papermill,
nbclient, nbconvert), starting a Jupyter kernel and importing the notebook's libraries
(pandas, pyarrow, matplotlib and the package) in that kernel.  A build of two studies runs
twelve steps; a test run builds several projects.  The warm runner does that work once per
checkout and build:

- :mod:`tieval.warm.client` (standard library only): the ``run`` command asks the checkout's
  warm server to run it.  The first step of a build starts the server; when no server can be
  used the step runs in its own process as before.  ``TIEVAL_WARM=0`` turns it off.
- :mod:`tieval.warm.server`: the server.  It imports the runner's and the kernels' libraries,
  then forks, for each request, either a *worker* (the ``run`` command in a copy of the
  server, writing to the client's own stdout and stderr, in its working directory and
  environment) or a *kernel* (ipykernel started in a copy of the server).  Every worker and
  kernel is a fresh copy of the same imported state, never of a process that ran a step.  The
  server exits when idle (:data:`tieval.warm.client.IDLE_SECONDS`) or as soon as a module it
  imported changed on disk (it then refuses work, and the next step starts a new server).
- :mod:`tieval.warm.kernel`: the kernel manager papermill uses inside a worker, which asks the
  server for a forked kernel instead of starting ``python -m ipykernel_launcher``.

Outputs are the same bytes either way: CI builds a fresh clone with ``TIEVAL_WARM=0`` and
compares it with the warm build (``make test-fresh-clone``), and nbval re-runs every notebook
in an ordinary kernel.
"""
