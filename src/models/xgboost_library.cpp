#include "lifespan/models/xgboost_library.hpp"

#include "lifespan/util/shared_library.hpp"

namespace lifespan::models {
namespace {

xgboost_library bind() {
  const auto lib = shared_library::open("libxgboost.so.0", "libxgboost0");
  xgboost_library x;
  lib.bind(x.XGBoostVersion, "XGBoostVersion");
  lib.bind(x.XGBGetLastError, "XGBGetLastError");
  lib.bind(x.XGBoosterCreate, "XGBoosterCreate");
  lib.bind(x.XGBoosterFree, "XGBoosterFree");
  lib.bind(x.XGBoosterLoadModel, "XGBoosterLoadModel");
  lib.bind(x.XGBoosterSetParam, "XGBoosterSetParam");
  lib.bind(x.XGBoosterGetNumFeature, "XGBoosterGetNumFeature");
  lib.bind(x.XGBoosterPredictFromDense, "XGBoosterPredictFromDense");
  lib.bind(x.XGDMatrixCreateFromMat, "XGDMatrixCreateFromMat");
  lib.bind(x.XGDMatrixFree, "XGDMatrixFree");
  lib.bind(x.XGDMatrixSetFloatInfo, "XGDMatrixSetFloatInfo");
  lib.bind(x.XGBoosterUpdateOneIter, "XGBoosterUpdateOneIter");
  lib.bind(x.XGBoosterPredict, "XGBoosterPredict");
  lib.bind(x.XGBoosterSaveModel, "XGBoosterSaveModel");
  return x;
}

}  // namespace

const char* xgboost_library::last_error() const {
  const char* e = XGBGetLastError();
  return e ? e : "unknown XGBoost error";
}

const xgboost_library& xgboost() {
  static const xgboost_library library = bind();  // an exception leaves it to the next call
  return library;
}

}  // namespace lifespan::models
