"""Market data the OMS keeps from its venues: the consolidated book, NBBO and the tape."""
