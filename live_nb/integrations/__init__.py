"""Framework integrations: DVCLive's callbacks and loggers, logging with :class:`live_nb.Live`.

Each module has the name and the class of DVCLive's own, with the same arguments, so
changing ``dvclive`` to ``live_nb.integrations`` in the import is the whole migration:

=============================================  ===============================================
``live_nb.integrations.lightning``              ``DVCLiveLogger`` for PyTorch Lightning's Trainer
``live_nb.integrations.fabric``                 ``DVCLiveLogger`` for Lightning Fabric
``live_nb.integrations.huggingface``            ``DVCLiveCallback`` for Transformers' Trainer
``live_nb.integrations.keras``                  ``DVCLiveCallback`` for ``model.fit`` (Keras 2 or 3)
``live_nb.integrations.xgb``                    ``DVCLiveCallback`` for ``xgboost.train``
``live_nb.integrations.lgbm``                   ``DVCLiveCallback`` for ``lightgbm.train``
``live_nb.integrations.optuna``                 ``DVCLiveCallback`` for ``study.optimize``
``live_nb.integrations.fastai``                 ``DVCLiveCallback`` for a fastai ``Learner``
=============================================  ===============================================

They write the files DVCLive's integrations write for the same training run. Given no
``live=`` (``experiment=`` for the loggers), an integration running inside a ``%%live`` cell
logs into the cell's ``live`` and leaves ending it to the cell; elsewhere it starts its own
``Live(**kwargs)``, as DVCLive does, and ends it when training ends.

Importing this package imports no framework: each module imports its own when it is imported.
"""
